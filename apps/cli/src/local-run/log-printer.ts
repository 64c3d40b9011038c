/** Live output of `stroem run`: step lines prefixed with the step name, stderr marked with `!`. */
import type { LogLine } from '@stroem/runner';
import type { Styler } from '../output/style';
import { formatDuration, oneLine } from '../output/table';
import type { RetryNotice, StepRecord } from './local-executor';

export class LogPrinter {
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly style: Styler,
    private nameWidth: number,
  ) {}

  private pad(step: string): string {
    this.nameWidth = Math.max(this.nameWidth, step.length);
    return step.padEnd(this.nameWidth);
  }

  line(step: string, line: LogLine): void {
    const name = this.style('cyan', this.pad(step));
    if (line.stream === 'stderr') {
      this.out.write(`${name} ${this.style('red', '!')} ${this.style('yellow', line.text)}\n`);
    } else {
      this.out.write(`${name} ${this.style('dim', '|')} ${line.text}\n`);
    }
  }

  retry(step: StepRecord, retry: RetryNotice): void {
    const seconds = Number.isInteger(retry.delaySeconds)
      ? retry.delaySeconds
      : retry.delaySeconds.toFixed(1);
    this.out.write(
      `${this.style('cyan', this.pad(step.name))} ${this.style('yellow', `↻ attempt ${retry.attempt}/${retry.of} failed, retrying in ${seconds}s: ${oneLine(retry.error, 80)}`)}\n`,
    );
  }

  status(step: StepRecord): void {
    const name = this.pad(step.name);
    const took =
      step.startedAt !== undefined && step.finishedAt !== undefined
        ? ` (${formatDuration(step.finishedAt - step.startedAt)})`
        : '';
    switch (step.status) {
      case 'running':
        this.out.write(`${this.style('cyan', name)} ${this.style('dim', '▶ started')}\n`);
        break;
      case 'completed':
        this.out.write(
          `${this.style('cyan', name)} ${this.style('green', `✓ completed${took}`)}\n`,
        );
        break;
      case 'failed':
        this.out.write(
          `${this.style('cyan', name)} ${this.style('red', `✗ failed${took}: ${oneLine(step.error ?? '', 100)}`)}\n`,
        );
        break;
      case 'skipped':
        this.out.write(`${this.style('cyan', name)} ${this.style('dim', '- skipped')}\n`);
        break;
      case 'cancelled':
        this.out.write(
          `${this.style('cyan', name)} ${this.style('yellow', `■ cancelled${took}`)}\n`,
        );
        break;
      default:
        break;
    }
  }
}
