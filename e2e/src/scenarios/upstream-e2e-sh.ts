/** Upstream's `tests/e2e.sh` scenario, shared by the auth-off and auth-on stacks. */
import type { Stack } from '../harness/stack';

/** The job detail fields of upstream's `GET /api/jobs/{id}` (reference §3.1). */
const JOB_FIELDS = [
  'job_id',
  'workspace',
  'task_name',
  'mode',
  'input',
  'raw_input',
  'output',
  'status',
  'source_type',
  'source_id',
  'source_job_id',
  'restart_from_step',
  'revision',
  'worker_id',
  'created_at',
  'started_at',
  'completed_at',
  'retry_of_job_id',
  'retry_job_id',
  'retry_attempt',
  'max_retries',
  'steps',
];

const STEP_FIELDS = [
  'step_name',
  'action_name',
  'action_type',
  'action_image',
  'runner',
  'input',
  'output',
  'status',
  'worker_id',
  'started_at',
  'completed_at',
  'error_message',
  'depends_on',
  'retry_attempt',
  'max_retries',
  'retry_history',
];

const RFC3339_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** Who the jobs are attributed to: `api` without auth, the user's e-mail with it. */
export interface Caller {
  source_type: string;
  source_id: string | null;
}

/**
 * Upstream's `tests/e2e.sh` items 1 and 3–10 (reference §4.1) against `stack`, serving
 * examples/default as `default`. Item 2 (login) is the caller's: with auth on, `stack().api`
 * carries the token.
 */
export function describeUpstreamE2eSh(stack: () => Stack, caller: Caller): void {
  describe('tests/e2e.sh (§4.1)', () => {
    let helloJobId = '';

    it('§4.1.1 /healthz answers 200 with the database up', async () => {
      const res = await stack().api.get('/healthz');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', db: 'ok' });
    });

    it('§4.1.3 the default workspace lists its tasks, hello-world exactly once', async () => {
      const res = await stack().api.get<Record<string, unknown>[]>('/api/workspaces/default/tasks');
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body)).toBe(true);
      expect(res.body.length).toBeGreaterThanOrEqual(1);
      const hello = res.body.filter((t) => t['id'] === 'hello-world');
      expect(hello).toHaveLength(1);
      expect(hello[0]).toMatchObject({
        id: 'hello-world',
        name: 'Hello world',
        mode: 'distributed',
        workspace: 'default',
        has_triggers: true,
      });
      const ids = res.body.map((t) => t['id']);
      expect(ids).toEqual(
        expect.arrayContaining([
          'deploy-pipeline',
          'data-pipeline',
          'fail-in-chain',
          'fail-continue',
        ]),
      );
    });

    it('§4.1.4 executing hello-world returns a job_id', async () => {
      const res = await stack().api.post<{ job_id: string }>(
        '/api/workspaces/default/tasks/hello-world/execute',
        { input: { name: 'E2E Test' } },
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ job_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      helloJobId = res.body.job_id;
    });

    it('§4.1.5 the job reaches completed, in the upstream job detail shape', async () => {
      expect(helloJobId).not.toBe('');
      const job = await stack().api.waitForJob(helloJobId, { timeoutMs: 60_000 });
      expect(job.status).toBe('completed');
      for (const field of JOB_FIELDS) expect(job).toHaveProperty(field);
      expect(job).toMatchObject({
        job_id: helloJobId,
        workspace: 'default',
        task_name: 'hello-world',
        mode: 'distributed',
        input: { name: 'E2E Test' },
        raw_input: { name: 'E2E Test' },
        source_type: caller.source_type,
        source_id: caller.source_id,
        // The terminal step `shout` prints no OUTPUT line, so the job has no output.
        output: null,
      });
      expect(job.created_at).toMatch(RFC3339_UTC);
      expect(job.started_at).toMatch(RFC3339_UTC);
      expect(job.completed_at).toMatch(RFC3339_UTC);
    });

    it('§4.1.6 the job has exactly two steps, both completed', async () => {
      const job = await stack().api.job(helloJobId);
      expect(job.steps.map((s) => [s.step_name, s.status])).toEqual([
        ['say-hello', 'completed'],
        ['shout', 'completed'],
      ]);
      for (const step of job.steps)
        for (const field of STEP_FIELDS) expect(step).toHaveProperty(field);
      const [sayHello, shout] = job.steps;
      expect(sayHello).toMatchObject({
        action_name: 'greet',
        action_type: 'script',
        output: { greeting: 'Hello E2E Test' },
        depends_on: [],
        error_message: null,
      });
      expect(shout).toMatchObject({ action_name: 'shout', depends_on: ['say-hello'] });
    });

    it('§4.1.7 logs hold step 1 output and the uppercased greeting from step 2', async () => {
      const logs = await stack().api.logs(helloJobId);
      expect(logs).toContain('Hello E2E Test');
      expect(logs).toContain('HELLO E2E TEST');
      // JSONL, one {ts, stream, step, line} object per line
      const lines = logs
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toContainEqual(
        expect.objectContaining({ step: 'shout', stream: 'stdout', line: 'HELLO E2E TEST' }),
      );
      for (const line of lines)
        expect(Object.keys(line).sort()).toEqual(['line', 'step', 'stream', 'ts']);
    });

    it('§4.1.8 the job list has at least one item, in the {items, total} shape', async () => {
      const res = await stack().api.get<{ items: Record<string, unknown>[]; total: number }>(
        '/api/jobs?limit=10',
      );
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeGreaterThanOrEqual(1);
      expect(res.body.total).toBeGreaterThanOrEqual(res.body.items.length);
      expect(res.body.items).toContainEqual(
        expect.objectContaining({
          job_id: helloJobId,
          task_name: 'hello-world',
          status: 'completed',
        }),
      );
    });

    it('§4.1.9 deploy-pipeline runs an inline step, a file-based action and passes job input on', async () => {
      const api = stack().api;
      const jobId = await api.execute('default', 'deploy-pipeline', { env: 'test' });
      const job = await api.waitForJob(jobId, { timeoutMs: 60_000 });
      expect(job.status).toBe('completed');
      expect(job.steps.map((s) => s.status)).toEqual(['completed', 'completed', 'completed']);
      const logs = await api.logs(jobId);
      expect(logs).toContain('Checking system status');
      expect(logs).toContain('Deployment complete');
      expect(logs).toContain('Deployment to test completed');
    });

    it('§4.1.10 a python KeyError fails the job; the crash step error names KeyError and missing_key', async () => {
      const api = stack().api;
      const jobId = await api.execute('default', 'python-crash-with-hook');
      const job = await api.waitForJob(jobId, { timeoutMs: 60_000 });
      expect(job.status).toBe('failed');
      const crash = job.steps.find((s) => s.step_name === 'crash');
      expect(crash?.status).toBe('failed');
      expect(crash?.error_message).toContain('KeyError');
      expect(crash?.error_message).toContain('missing_key');
    });
  });
}
