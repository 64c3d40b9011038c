/**
 * `stroem state upload -w <ws> [-t <task> | --global] [--mode replace|merge] [--state k=v]…
 * [files…]`: a new task (or workspace-global) state snapshot from local files and values.
 */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { create as createTar } from 'tar';
import { CliError, EXIT } from '../cli-error';
import { resolveRemote } from '../remote/remote-client';
import { remoteOptions, withServerOption, withTokenOption } from './remote-command-options';

interface UploadOptions {
  server?: string;
  token?: string;
  workspace: string;
  task?: string;
  global?: boolean;
  mode?: string;
  state: string[];
}

function collectPair(value: string, previous: string[]): string[] {
  if (!/^[^=]+=/.test(value))
    throw new CliError(`--state '${value}': expected key=value`, EXIT.usage);
  return [...previous, value];
}

async function tarball(files: string[]): Promise<Buffer> {
  if (files.length === 0) return Buffer.alloc(0);
  for (const file of files) {
    if (!statSync(file, { throwIfNoEntry: false }))
      throw new CliError(`${file}: no such file or folder`, EXIT.usage);
  }
  const chunks: Buffer[] = [];
  const stream = createTar({ gzip: true, portable: true }, files);
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export function registerStateCommand(program: Command): void {
  const state = program.command('state').description('Task and workspace state on a server');

  withTokenOption(withServerOption(state.command('upload')))
    .description("Upload files and values as a task's (or the workspace's) newest state")
    .requiredOption('-w, --workspace <ws>', 'workspace')
    .option('-t, --task <task>', 'task whose state it is')
    .option('--global', "the workspace's global state (administrators only)")
    .option('--mode <mode>', 'replace (default) or merge with the latest snapshot')
    .option('--state <key=value>', 'a string entry of state.json (repeatable)', collectPair, [])
    .argument('[files...]', 'files or folders to include, relative paths kept')
    .action(async (files: string[], opts: UploadOptions, command: Command) => {
      if (Boolean(opts.task) === Boolean(opts.global))
        throw new CliError('give either --task <task> or --global', EXIT.usage);
      if (opts.mode !== undefined && opts.mode !== 'replace' && opts.mode !== 'merge')
        throw new CliError(`--mode '${opts.mode}': expected replace or merge`, EXIT.usage);
      const query = new URLSearchParams();
      if (opts.mode) query.set('mode', opts.mode);
      for (const pair of opts.state) {
        const at = pair.indexOf('=');
        query.append(pair.slice(0, at), pair.slice(at + 1));
      }
      const ws = encodeURIComponent(opts.workspace);
      const base = opts.task
        ? `/api/workspaces/${ws}/tasks/${encodeURIComponent(opts.task)}/state`
        : `/api/workspaces/${ws}/state`;
      const path = query.size > 0 ? `${base}?${query.toString()}` : base;
      const client = resolveRemote(remoteOptions(command, opts), process.env);
      const answer = await client.post<{ snapshot_id: string; job_id: string }>(
        path,
        await tarball(files),
      );
      process.stdout.write(`Snapshot ${answer.snapshot_id} stored (job ${answer.job_id})\n`);
    });
}
