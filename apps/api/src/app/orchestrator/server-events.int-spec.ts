// Orchestration decisions land in the job log as `_server` lines (stderr), reference §1.17.
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';
import { DATA_SOURCE } from '../database/database.module';
import { RecoverySweep } from '../recovery/recovery-sweep.service';

const WORKFLOWS = `
actions:
  ok: { type: script, script: "true" }
  gpu: { type: script, script: "true", tags: [gpu] }
tasks:
  conditional:
    flow:
      a: { action: ok }
      b: { action: ok, depends_on: [a], when: "{{ 1 > 2 }}" }
  flaky:
    flow:
      a: { action: ok, retry: { max_attempts: 1, delay: 1s } }
  needs-gpu:
    flow:
      a: { action: gpu }
  long:
    flow:
      a: { action: ok }
`;

let server: TestServer;
let d: Driver;

beforeAll(async () => {
  server = await startTestServer({ '.workflows/w.yaml': WORKFLOWS });
  d = new Driver(server);
});
afterAll(() => server.close());

/** The job's `_server` lines, as `GET /api/jobs/{id}/logs` returns them. */
async function serverLines(jobId: string): Promise<string[]> {
  const res = await request(server.http).get(`/api/jobs/${jobId}/logs`).expect(200);
  return (res.body.logs as string)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { step: string; stream: string; line: string })
    .filter((l) => l.step === '_server')
    .map((l) => {
      expect(l.stream).toBe('stderr');
      return l.line;
    });
}

describe('server events in the job log', () => {
  it('names the condition of a step skipped by when', async () => {
    const jobId = await d.execute('conditional');
    await d.complete(jobId, 'a');
    expect(await serverLines(jobId)).toContain(
      "Step 'b' skipped: condition '{{ 1 > 2 }}' is false",
    );
  });

  it('says when a retry is scheduled', async () => {
    const jobId = await d.execute('flaky');
    await d.fail(jobId, 'a');
    expect(await serverLines(jobId)).toContain(
      "[retry] Step 'a' attempt 1/2 failed, retrying in 1s",
    );
  });

  it('says why the recovery sweep failed a step', async () => {
    const jobId = await d.execute('needs-gpu');
    const ds = server.app.get<DataSource>(DATA_SOURCE);
    await ds.query(`UPDATE job_step SET ready_at = now() - interval '1 hour' WHERE job_id = $1`, [
      jobId,
    ]);
    await server.app.get(RecoverySweep).sweepOnce();
    const lines = await serverLines(jobId);
    expect(lines.some((l) => l.startsWith("[recovery] Step 'a': "))).toBe(true);
  });

  it('says who cancelled the job', async () => {
    const jobId = await d.execute('long');
    await request(server.http).post(`/api/jobs/${jobId}/cancel`).expect(200);
    expect(await serverLines(jobId)).toContain('Job cancelled by user');
  });
});
