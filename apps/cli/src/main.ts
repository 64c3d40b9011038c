/**
 * Entry point of the `stroem` command. User mistakes print one line and exit 2; a job or
 * validation failure exits 1; anything unexpected prints one line and exits 3 (the stack only
 * with STROEM_DEBUG=1).
 */
import { CommanderError } from 'commander';
import { CliError, EXIT } from './cli-error';
import { buildProgram } from './program';

function errorLine(message: string): void {
  process.stderr.write(`stroem: ${message}\n`);
}

/**
 * When the reader of stdout goes away (`stroem run … | head`), stop the way SIGTERM does — a
 * running job cancels its steps' process groups — instead of dying on an unhandled EPIPE.
 */
function stopQuietlyWhenStdoutCloses(): void {
  let stopping = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (stopping) return;
    stopping = true;
    if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM');
    else process.exit(EXIT.ok);
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  stopQuietlyWhenStdoutCloses();
  try {
    await buildProgram().parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has printed its message (or the help) already
      const shown = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
      return shown.includes(err.code) && err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof CliError) {
      errorLine(err.message);
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    errorLine(`internal error: ${message}`);
    if (process.env['STROEM_DEBUG'] === '1' && err instanceof Error && err.stack) {
      process.stderr.write(`${err.stack}\n`);
    } else {
      process.stderr.write('(set STROEM_DEBUG=1 to see the stack trace)\n');
    }
    return EXIT.internal;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
