/**
 * Asking for an e-mail and a password: on the terminal (the password not echoed), or the password
 * read whole from stdin for scripts (`--password-stdin`). Prompts go to stderr, so stdout keeps
 * only the command's result.
 */
import { createInterface } from 'node:readline';
import { CliError, EXIT } from '../cli-error';

export async function promptLine(
  question: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  const rl = createInterface({ input, output, terminal: true });
  const ended = () => rejectAnswer(new CliError('no answer: the input ended'));
  let rejectAnswer: (err: CliError) => void = () => undefined;
  try {
    return await new Promise<string>((resolve, reject) => {
      rejectAnswer = reject;
      rl.on('SIGINT', () => reject(new CliError('interrupted', EXIT.interrupted)));
      rl.on('close', ended);
      rl.question(question, resolve);
    });
  } finally {
    // Only our listener: readline's own 'close' handler detaches it from stdin.
    rl.removeListener('close', ended);
    rl.close();
    input.pause();
  }
}

/** Reads one line without echoing it (raw mode); Ctrl-C exits 130, Ctrl-U clears. */
export function promptHidden(
  question: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const wasRaw = input.isRaw;
    // Raw before the prompt shows: what is typed after it must never be echoed.
    input.setRawMode(true);
    output.write(question);
    input.setEncoding('utf8');
    input.resume();
    let value = '';
    const finish = (err?: CliError) => {
      input.removeListener('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      // An escape sequence (arrow keys…) is one chunk: ignore it whole.
      if (chunk.startsWith('\u001b')) return;
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new CliError('interrupted', EXIT.interrupted));
        if (ch === '\u0004' && value === '') return finish(new CliError('no password given'));
        if (ch === '\u007f' || ch === '\b') value = Array.from(value).slice(0, -1).join('');
        else if (ch === '\u0015') value = '';
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}

/** All of stdin, less one trailing newline (`echo pw | stroem login --password-stdin`). */
export async function readPasswordFromStdin(
  input: NodeJS.ReadableStream = process.stdin,
): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password === '') throw new CliError('--password-stdin: stdin was empty');
  return password;
}
