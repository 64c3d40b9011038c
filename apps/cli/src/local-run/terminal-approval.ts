/**
 * `stroem run` approval gates: the person at the terminal decides. One question at a time, read
 * from stdin when it is a terminal; without one there is nobody to ask.
 */
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import type { ApprovalAnswer, ApprovalPrompt } from './local-executor';

function whoAmI(): string {
  try {
    return userInfo().username || 'local';
  } catch {
    return 'local';
  }
}

/** Undefined when stdin is not a terminal (the executor then fails approval steps clearly). */
export function terminalApprovalPrompt(
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): ApprovalPrompt | undefined {
  if (!input.isTTY) return undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const ask: ApprovalPrompt = (step, message, signal) => {
    const next = queue.then(() => question(input, output, step, message, signal));
    queue = next.catch(() => undefined);
    return next;
  };
  return ask;
}

function question(
  input: NodeJS.ReadStream,
  output: NodeJS.WritableStream,
  step: string,
  message: string,
  signal?: AbortSignal,
): Promise<ApprovalAnswer> {
  if (signal?.aborted) return Promise.resolve({ approved: false, reason: 'Job cancelled' });
  return new Promise((resolve) => {
    const rl = createInterface({ input, output, terminal: true });
    const finish = (answer: ApprovalAnswer) => {
      signal?.removeEventListener('abort', onAbort);
      rl.close();
      input.pause();
      resolve(answer);
    };
    const onAbort = () => {
      output.write('\n');
      finish({ approved: false, reason: 'Job cancelled' });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // Ctrl-C at the prompt is read as input: hand it to the run's own interrupt handling.
    rl.on('SIGINT', () => process.emit('SIGINT'));
    const prompt = message.trim() === '' ? '' : ` ${message.trim()}`;
    rl.question(`Approve step '${step}'?${prompt} [y/N] `, (reply) => {
      const yes = /^\s*y(es)?\s*$/i.test(reply);
      finish(yes ? { approved: true, by: whoAmI() } : { approved: false });
    });
  });
}
