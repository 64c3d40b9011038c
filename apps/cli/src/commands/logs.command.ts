/**
 * `stroem logs <job> [--follow] [--step <name>]`: a job's log from a Strøm server. Without
 * `--follow` it prints what is stored (`GET /api/jobs/{id}/logs`); with it, it streams
 * `GET /api/jobs/{id}/logs/sse` until the job ends and exits with the job's outcome
 * (0 completed, 1 failed, 130 cancelled), like `stroem run`.
 */
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error';
import { formatJobLogLine } from '../output/job-log-format';
import { stylerFor } from '../output/style';
import { resolveRemote, type RemoteClient } from '../remote/remote-client';
import { remoteOptions, withServerOption, withTokenOption } from './remote-command-options';

interface LogsOptions {
  server?: string;
  token?: string;
  follow?: boolean;
  step?: string;
}

export function registerLogsCommand(program: Command): void {
  withTokenOption(withServerOption(program.command('logs')))
    .description("Print a job's log; with --follow, stream it until the job ends")
    .argument('<job>', 'job id')
    .option('-f, --follow', 'stream new lines until the job ends; exit with its outcome')
    .option('--step <name>', "only this step's lines")
    .action(async (job: string, opts: LogsOptions, command: Command) => {
      const client = resolveRemote(remoteOptions(command, opts), process.env);
      const code = opts.follow
        ? await follow(client, job, opts.step)
        : await printStored(client, job, opts.step);
      process.exitCode = code;
    });
}

function jobPath(job: string): string {
  return `/api/jobs/${encodeURIComponent(job)}`;
}

async function printStored(client: RemoteClient, job: string, step?: string): Promise<number> {
  const path =
    step === undefined
      ? `${jobPath(job)}/logs`
      : `${jobPath(job)}/steps/${encodeURIComponent(step)}/logs`;
  const { logs } = await client.get<{ logs: string }>(path);
  const style = stylerFor(process.stdout);
  const out = logs
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `${formatJobLogLine(line, style)}\n`)
    .join('');
  process.stdout.write(out);
  return EXIT.ok;
}

const OUTCOME: Record<string, number> = {
  completed: EXIT.ok,
  skipped: EXIT.ok,
  failed: EXIT.failed,
  cancelled: EXIT.interrupted,
};

async function follow(client: RemoteClient, job: string, step?: string): Promise<number> {
  const query = step === undefined ? '' : `?step=${encodeURIComponent(step)}`;
  const res = await client.stream(`${jobPath(job)}/logs/sse${query}`);
  const style = stylerFor(process.stdout);
  const decoder = new TextDecoder();
  let buffer = '';
  if (!res.body) throw new CliError(`no log stream from ${client.server}`, EXIT.failed);
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let out = '';
    let sep: number;
    while ((sep = buffer.indexOf('\n\n')) >= 0) {
      const event = parseEvent(buffer.slice(0, sep));
      buffer = buffer.slice(sep + 2);
      if (event.name === 'log') out += `${formatJobLogLine(event.data, style)}\n`;
      else if (event.name === 'end') {
        process.stdout.write(out);
        const status = (JSON.parse(event.data) as { status?: string }).status ?? 'unknown';
        if (status !== 'completed') process.stderr.write(`job ${job} ${status}\n`);
        return OUTCOME[status] ?? EXIT.failed;
      } else if (event.name === 'error') {
        process.stdout.write(out);
        const message = (JSON.parse(event.data) as { error?: string }).error ?? event.data;
        throw new CliError(`the server stopped the log stream: ${message}`, EXIT.failed);
      }
    }
    if (out !== '') process.stdout.write(out);
  }
  throw new CliError(
    `the log stream from ${client.server} ended before job ${job} did`,
    EXIT.failed,
  );
}

function parseEvent(block: string): { name: string; data: string } {
  let name = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  }
  return { name, data: data.join('\n') };
}
