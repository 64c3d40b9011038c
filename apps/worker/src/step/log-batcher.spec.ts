import pino from 'pino';
import { RecordingWorkerServer } from '../../test/recording-worker-server';
import { WorkerApiClient } from '../server-api/worker-api.client';
import { LogBatcher, type LogBatcherOptions } from './log-batcher';

const logger = pino({ level: 'silent' });

describe('log batcher against a recording HTTP server (stand-in for the Strøm server)', () => {
  let server: RecordingWorkerServer;
  let client: WorkerApiClient;

  beforeEach(async () => {
    server = await RecordingWorkerServer.start();
    client = new WorkerApiClient({
      serverUrl: server.url,
      requestTimeoutMs: 5_000,
      connectTimeoutMs: 2_000,
    });
  });
  afterEach(async () => {
    client.close();
    await server.close();
  });

  const batcher = (options: Partial<LogBatcherOptions> = {}) =>
    new LogBatcher({ client, jobId: 'job-1', stepName: 'build', logger, ...options });
  const line = (text: string, stream: 'stdout' | 'stderr' = 'stdout') => ({
    text,
    stream,
    at: new Date(),
  });
  const logRequests = () => server.requestsTo(/^\/worker\/jobs\/job-1\/logs$/, 'POST');

  it('sends lines in order with the step name, stream and an RFC 3339 time', async () => {
    const logs = batcher();
    logs.push(line('one'));
    logs.push(line('two', 'stderr'));
    logs.push(line('three'));
    await logs.close();

    const lines = server.logLines('job-1');
    expect(lines.map((l) => [l.step_name, l.stream, l.line])).toEqual([
      ['build', 'stdout', 'one'],
      ['build', 'stderr', 'two'],
      ['build', 'stdout', 'three'],
    ]);
    expect(new Date(lines[0].ts).toISOString()).toBe(lines[0].ts);
  });

  it('batches lines that arrive together into one request', async () => {
    const logs = batcher();
    for (let i = 0; i < 50; i++) logs.push(line(`line ${i}`));
    await server.waitFor((r) => r.path === '/worker/jobs/job-1/logs');
    await logs.close();
    expect(logRequests()).toHaveLength(1);
    expect(logRequests()[0].body.lines).toHaveLength(50);
  });

  it('sends a lone line within the time limit, without waiting for close', async () => {
    const logs = batcher({ maxDelayMs: 200 });
    const pushedAt = Date.now();
    logs.push(line('hello'));
    const request = await server.waitFor((r) => r.path === '/worker/jobs/job-1/logs', 2_000);
    expect(request.at - pushedAt).toBeGreaterThanOrEqual(150);
    expect(request.at - pushedAt).toBeLessThan(1_000);
    await logs.close();
  });

  it('flushes at once when a batch reaches the line limit (256 lines per request)', async () => {
    const logs = batcher({ maxDelayMs: 60_000 });
    for (let i = 0; i < 600; i++) logs.push(line(`line ${i}`));
    await server.waitFor((r) => r.path === '/worker/jobs/job-1/logs', 2_000);
    await logs.close();
    const sizes = logRequests().map((r) => r.body.lines.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(600);
    expect(server.logLines('job-1').map((l) => l.line)).toEqual(
      Array.from({ length: 600 }, (_, i) => `line ${i}`),
    );
  });

  it('keeps each request near 64 KB when lines are long', async () => {
    const logs = batcher({ maxDelayMs: 60_000 });
    const long = 'x'.repeat(10_000);
    for (let i = 0; i < 20; i++) logs.push(line(`${i} ${long}`));
    await logs.close();
    for (const request of logRequests()) {
      expect(Buffer.byteLength(JSON.stringify(request.body))).toBeLessThanOrEqual(70 * 1024);
    }
    expect(logRequests().length).toBeGreaterThanOrEqual(3);
    expect(server.logLines('job-1').map((l) => l.line.split(' ')[0])).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i)),
    );
  });

  it('retries a batch the server failed, losing and reordering nothing', async () => {
    server.failNext(/\/logs$/, 2, 503);
    const logs = batcher({ maxDelayMs: 10, retryBaseMs: 20 });
    logs.push(line('first'));
    await new Promise((r) => setTimeout(r, 30));
    logs.push(line('second'));
    logs.push(line('third'));
    const summary = await logs.close();

    expect(summary).toEqual({ sent: 3, dropped: 0 });
    expect(logRequests().length).toBeGreaterThanOrEqual(3);
    // The first two requests carried 'first' and were answered 503.
    expect(logRequests()[0].body.lines.map((l: { line: string }) => l.line)).toEqual(['first']);
    const accepted = logRequests()
      .slice(2)
      .flatMap((r) => r.body.lines.map((l: { line: string }) => l.line));
    expect(accepted).toEqual(['first', 'second', 'third']);
  });

  it('close() sends everything still queued before it resolves (the final flush)', async () => {
    const logs = batcher({ maxDelayMs: 60_000 });
    logs.push(line('a'));
    logs.push(line('b'));
    expect(logRequests()).toHaveLength(0);
    await logs.close();
    expect(server.logLines('job-1').map((l) => l.line)).toEqual(['a', 'b']);
  });

  it('gives up on close after its timeout while the server keeps failing, and says so', async () => {
    server.failNext(/\/logs$/, 1_000, 503);
    const logs = batcher({ retryBaseMs: 20, retryCapMs: 50 });
    logs.push(line('lost'));
    const summary = await logs.close(300);
    expect(summary).toEqual({ sent: 0, dropped: 1 });
  });

  it('drops a batch the server refuses with a 4xx instead of retrying it forever', async () => {
    server.failNext(/\/logs$/, 1, 400);
    const logs = batcher({ maxDelayMs: 10 });
    logs.push(line('refused'));
    await server.waitFor((r) => r.path === '/worker/jobs/job-1/logs');
    await new Promise((r) => setTimeout(r, 50));
    logs.push(line('accepted'));
    expect(await logs.close()).toEqual({ sent: 1, dropped: 1 });
  });
  describe('while the server is unreachable', () => {
    /** Stops the recording server: connections are refused until `serverBack()`. */
    const serverDown = async (): Promise<number> => {
      const port = Number(new URL(server.url).port);
      await server.close();
      return port;
    };
    const serverBack = async (port: number) => {
      server = await RecordingWorkerServer.start(port);
    };
    const delivered = () => server.logLines('job-1').map((l) => l.line);

    it('keeps retrying with backoff through an outage and then delivers every line once, in order', async () => {
      const port = await serverDown();
      const logs = batcher({ maxDelayMs: 10, retryBaseMs: 20, retryCapMs: 100 });
      for (let i = 0; i < 30; i++) {
        logs.push(line(`line ${i}`));
        await new Promise((r) => setTimeout(r, 20));
      }
      // More than a dozen failed attempts: an outage of a few seconds costs no line.
      await serverBack(port);
      for (let i = 30; i < 40; i++) logs.push(line(`line ${i}`));
      expect(await logs.close()).toEqual({ sent: 40, dropped: 0 });
      expect(delivered()).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i}`));
    });

    it('bounds the waiting lines: the oldest are dropped and a marker stands at the gap', async () => {
      const port = await serverDown();
      const logs = batcher({
        maxDelayMs: 10,
        retryBaseMs: 20,
        retryCapMs: 50,
        maxQueuedLines: 100,
      });
      logs.push(line('line 0'));
      // Line 0 is in flight (being retried); the lines after it queue up to the bound.
      await new Promise((r) => setTimeout(r, 100));
      for (let i = 1; i < 1_000; i++) logs.push(line(`line ${i}`));
      await serverBack(port);
      const summary = await logs.close();

      const lines = delivered();
      const markerAt = lines.findIndex((l) => l.startsWith('[worker] '));
      expect(lines[0]).toBe('line 0');
      expect(markerAt).toBe(1);
      const marker = server.logLines('job-1')[markerAt];
      expect(marker.stream).toBe('stderr');
      const droppedCount = Number(
        /^\[worker\] (\d+) log line\(s\) dropped: /.exec(marker.line)?.[1],
      );
      const kept = lines.slice(markerAt + 1);
      expect(kept.length).toBeLessThanOrEqual(100);
      // What is kept is the newest lines, contiguous up to the last one.
      expect(kept).toEqual(
        Array.from({ length: kept.length }, (_, i) => `line ${1_000 - kept.length + i}`),
      );
      expect(droppedCount).toBe(999 - kept.length);
      expect(summary).toEqual({ sent: 1 + kept.length, dropped: droppedCount });
    });

    it('bounds the waiting bytes as well as the lines', async () => {
      const port = await serverDown();
      const logs = batcher({
        maxDelayMs: 10,
        retryBaseMs: 20,
        retryCapMs: 50,
        maxQueuedBytes: 20_000,
      });
      const long = 'x'.repeat(1_000);
      for (let i = 0; i < 200; i++) logs.push(line(`${i} ${long}`));
      await serverBack(port);
      const summary = await logs.close();

      const kept = delivered().filter((l) => !l.startsWith('[worker] '));
      // 20 000 bytes hold at most 18 lines of ~1 070 bytes (line + JSON overhead).
      expect(kept.length).toBeLessThanOrEqual(19);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept[kept.length - 1].split(' ')[0]).toBe('199');
      expect(summary.sent + summary.dropped).toBe(200);
      expect(delivered().filter((l) => l.startsWith('[worker] '))).toHaveLength(1);
    });
  });
});
