/** `stroem run <task>`: run a task on this machine, no server, with live logs and a summary. */
import { InvalidArgumentError, type Command } from 'commander';
import { findCycle, type JsonObject } from '@stroem/workflow';
import { ShellRunner } from '@stroem/runner';
import { CliError, EXIT } from '../cli-error';
import { readJobInput } from '../input/job-input';
import { LocalExecutor } from '../local-run/local-executor';
import { LogPrinter } from '../local-run/log-printer';
import { renderRunSummary } from '../local-run/run-summary';
import { terminalApprovalPrompt } from '../local-run/terminal-approval';
import { prepareJobInput } from '@stroem/workflow';
import { stylerFor } from '../output/style';
import { findTask, openWorkspace } from '../workspace/open-workspace';
import { workspacePath } from './command-paths';

interface RunOptions {
  input?: string;
  inputFile?: string;
  path?: string;
  concurrency: number;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run a task locally (script steps with runner: local), no server needed')
    .argument('<task>', 'task name')
    .option('-i, --input <json>', 'job input as a JSON object')
    .option('--input-file <file>', 'read the job input from a JSON file')
    .option('-p, --path <path>', 'workspace folder')
    .option('-c, --concurrency <n>', 'steps run at the same time', positiveInt, 4)
    .action(async (taskName: string, opts: RunOptions, command: Command) => {
      const ws = await openWorkspace(workspacePath(command, opts.path));
      const task = findTask(ws, taskName);
      const cycle = findCycle(task.flow);
      if (cycle)
        throw new CliError(`task '${taskName}' has a dependency cycle: ${cycle.join(' → ')}`);
      const submitted = readJobInput(opts);
      let input: JsonObject;
      try {
        input = prepareJobInput(task.input, submitted, ws.config);
      } catch (err) {
        throw new CliError(`invalid input for task '${taskName}': ${(err as Error).message}`);
      }

      const style = stylerFor(process.stdout);
      const width = Math.max(...Object.keys(task.flow).map((n) => n.length), 4);
      const hooks = (['on_success', 'on_error', 'on_cancel'] as const).filter(
        (event) => task[event].length > 0 || ws.config[event].length > 0,
      );
      const printer = new LogPrinter(process.stdout, style, width);
      const controller = new AbortController();
      const onInterrupt = () => {
        if (controller.signal.aborted) process.exit(EXIT.interrupted);
        process.stderr.write(
          '\nCancelling: stopping running steps (Ctrl-C again to quit at once)…\n',
        );
        controller.abort();
      };
      process.on('SIGINT', onInterrupt);
      process.on('SIGTERM', onInterrupt);
      // The task's `timeout` cancels the run, as the server cancels a job that outlives it.
      let timedOut = false;
      const timeoutTimer =
        task.timeout === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              process.stderr.write(
                `\nTask '${taskName}' timed out after ${task.timeout}s: cancelling its steps…\n`,
              );
              controller.abort();
            }, task.timeout * 1000);

      const started = Date.now();
      const executor = new LocalExecutor({
        workspace: ws,
        taskName,
        input,
        runner: new ShellRunner(),
        concurrency: opts.concurrency,
        signal: controller.signal,
        onLog: (step, line) => printer.line(step, line),
        onStepStatus: (step) => printer.status(step),
        onRetry: (step, retry) => printer.retry(step, retry),
        approve: terminalApprovalPrompt(),
      });
      try {
        const result = await executor.run();
        process.stdout.write(renderRunSummary(taskName, result, Date.now() - started, style));
        if (timedOut) process.stdout.write(`Job timed out after ${task.timeout}s\n`);
        if (hooks.length > 0) {
          process.stdout.write(
            style('dim', `(hooks ${hooks.join(', ')} are not run by \`stroem run\`)`) + '\n',
          );
        }
        process.exitCode =
          result.status === 'completed'
            ? EXIT.ok
            : result.status === 'cancelled' && !timedOut
              ? EXIT.interrupted
              : EXIT.failed;
      } finally {
        clearTimeout(timeoutTimer);
        process.off('SIGINT', onInterrupt);
        process.off('SIGTERM', onInterrupt);
      }
    });
}
