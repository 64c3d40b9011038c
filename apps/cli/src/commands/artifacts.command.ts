/**
 * `stroem artifacts list <job>` and `stroem artifacts download <job> <name> [-o file]`: the files
 * a job's steps left in `$ARTIFACTS_DIR`, from a Strøm server.
 */
import { createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error';
import { renderTable } from '../output/table';
import { resolveRemote } from '../remote/remote-client';
import { remoteOptions, withServerOption, withTokenOption } from './remote-command-options';

interface ArtifactItem {
  name: string;
  content_type: string;
  size_bytes: number;
  step_name: string;
  created_at: string;
  url: string;
}

interface RemoteFlags {
  server?: string;
  token?: string;
}

export function registerArtifactsCommand(program: Command): void {
  const artifacts = program.command('artifacts').description("A job's artifacts on a server");

  withTokenOption(withServerOption(artifacts.command('list')))
    .description('List the artifacts of a job')
    .argument('<job>', 'job id')
    .action(async (job: string, opts: RemoteFlags, command: Command) => {
      const client = resolveRemote(remoteOptions(command, opts), process.env);
      const items = await client.get<ArtifactItem[]>(
        `/api/jobs/${encodeURIComponent(job)}/artifacts`,
      );
      if (items.length === 0) return void process.stdout.write('No artifacts.\n');
      const rows = items.map((a) => [a.name, String(a.size_bytes), a.content_type, a.step_name]);
      process.stdout.write(renderTable(['NAME', 'BYTES', 'TYPE', 'STEP'], rows) + '\n');
    });

  withTokenOption(withServerOption(artifacts.command('download')))
    .description('Download one artifact of a job')
    .argument('<job>', 'job id')
    .argument('<name>', 'artifact name, e.g. reports/summary.txt')
    .option('-o, --output <file>', "where to write it ('-' for stdout; default: its file name)")
    .action(async (job: string, name: string, opts: RemoteFlags & { output?: string }, command) => {
      const client = resolveRemote(remoteOptions(command as Command, opts), process.env);
      const path = `/api/jobs/${encodeURIComponent(job)}/artifacts/${encodeURIComponent(name)}`;
      const res = await client.stream(path);
      if (!res.body) throw new CliError(`the server sent no body for '${name}'`, EXIT.failed);
      const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
      const target = opts.output ?? basename(name);
      if (target === '-') {
        await pipeline(body, process.stdout, { end: false });
        return;
      }
      await pipeline(body, createWriteStream(target));
      process.stderr.write(`Saved ${name} to ${target}\n`);
    });
}
