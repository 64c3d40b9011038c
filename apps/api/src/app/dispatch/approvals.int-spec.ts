// Approval gates (reference §2.17.8, §3.1 approve, §4.4 approvals) against a real database.
import request from 'supertest';
import { Driver, startTestServer, type TestServer } from '../../testing/test-server';

const WORKFLOWS = `
actions:
  ok: { type: script, script: "true" }
  gate:
    type: approval
    message: "Deploy {{ input.version }} after {{ build.output.tag }}?"
  form-gate:
    type: approval
    message: "Sign off"
    input:
      ticket: { type: string, required: true }
      note: { type: string }
  root-gate:
    type: approval
    message: "Go ahead with {{ input.target }}?"
tasks:
  release:
    input:
      version: { type: string, default: "1.0" }
    flow:
      build: { action: ok }
      approve:
        action: gate
        depends_on: [build]
        timeout: 1h
      deploy: { action: ok, depends_on: [approve] }
  signoff:
    flow:
      approve: { action: form-gate }
      after: { action: ok, depends_on: [approve] }
  root:
    input:
      env: { type: string, default: prod }
    flow:
      approve:
        action: root-gate
        input:
          target: "{{ input.env }}-cluster"
`;

let server: TestServer;
let d: Driver;

beforeAll(async () => {
  server = await startTestServer({ '.workflows/flows.yaml': WORKFLOWS });
  d = new Driver(server);
});
afterAll(() => server.close());

function approve(jobId: string, step: string, body: unknown) {
  return request(server.http)
    .post(`/api/jobs/${jobId}/steps/${step}/approve`)
    .send(body as object);
}

async function step(jobId: string, name: string) {
  const res = await request(server.http).get(`/api/jobs/${jobId}`).expect(200);
  const found = (res.body.steps as Record<string, unknown>[]).find((s) => s['step_name'] === name);
  if (!found) throw new Error(`no step ${name}`);
  return { job: res.body as Record<string, unknown>, step: found };
}

async function suspendedRelease(): Promise<string> {
  const job = await d.execute('release', { version: '2.1' });
  await d.complete(job, 'build', { tag: 'v2.1' });
  return job;
}

describe('approval steps', () => {
  it('suspend when ready, with the rendered message in the API and the job running', async () => {
    const jobId = await suspendedRelease();
    const { job, step: gate } = await step(jobId, 'approve');
    expect(job['status']).toBe('running');
    expect(gate).toMatchObject({
      status: 'suspended',
      output: { approval_message: 'Deploy 2.1 after v2.1?' },
      approval_message: 'Deploy 2.1 after v2.1?',
      approval_fields: {},
    });
    expect(gate['suspended_at']).toEqual(expect.any(String));
    const logs = (await request(server.http).get(`/api/jobs/${jobId}/logs`).expect(200)).body
      .logs as string;
    expect(logs).toContain(`[approval] Step 'approve' waiting for approval`);
  });

  it('continue the job once approved; the output records the approval', async () => {
    const jobId = await suspendedRelease();
    const res = await approve(jobId, 'approve', { approved: true }).expect(200);
    expect(res.body).toEqual({ status: 'approved' });
    const { step: gate } = await step(jobId, 'approve');
    expect(gate['status']).toBe('completed');
    expect(gate['output']).toEqual({
      approval_message: 'Deploy 2.1 after v2.1?',
      approved: true,
      approved_by: 'anonymous',
      approved_at: expect.any(String),
    });
    expect((await d.statuses(jobId))['deploy']).toBe('ready');
    await d.complete(jobId, 'deploy');
    expect((await d.job(jobId)).status).toBe('completed');
  });

  it('fail the job when rejected, with the default reason', async () => {
    const jobId = await suspendedRelease();
    expect((await approve(jobId, 'approve', { approved: false }).expect(200)).body).toEqual({
      status: 'rejected',
    });
    const view = await d.job(jobId);
    expect(view.status).toBe('failed');
    const gate = view.steps.find((s) => s.step_name === 'approve');
    expect(gate?.status).toBe('failed');
    expect(gate?.error_message).toBe('Approval rejected');
    expect(view.steps.find((s) => s.step_name === 'deploy')?.status).toBe('skipped');
  });

  it('keep a rejection reason', async () => {
    const jobId = await suspendedRelease();
    await approve(jobId, 'approve', { approved: false, rejection_reason: 'not today' }).expect(200);
    expect((await step(jobId, 'approve')).step['error_message']).toBe('not today');
    const long = 'x'.repeat(4097);
    const other = await suspendedRelease();
    await approve(other, 'approve', { approved: false, rejection_reason: long }).expect(400);
  });

  it('answer 409 for a step that is not suspended or not an approval, 404 for unknown ones', async () => {
    const jobId = await d.execute('release');
    expect((await approve(jobId, 'approve', { approved: true }).expect(409)).body.error).toMatch(
      /not waiting for approval/,
    );
    await approve(jobId, 'build', { approved: true }).expect(409);
    await approve(jobId, 'nope', { approved: true }).expect(404);
    await approve('00000000-0000-4000-8000-000000000000', 'approve', { approved: true }).expect(
      404,
    );
    await approve(jobId, 'approve', {}).expect(400);
  });

  it('answer 409 to the second of two decisions', async () => {
    const jobId = await suspendedRelease();
    const answers = await Promise.all([
      approve(jobId, 'approve', { approved: true }),
      approve(jobId, 'approve', { approved: false }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it('suspend a root approval step at creation, its message from the rendered step input', async () => {
    const jobId = await d.execute('root');
    const { job, step: gate } = await step(jobId, 'approve');
    expect(job['status']).toBe('running');
    expect(gate['status']).toBe('suspended');
    expect(gate['approval_message']).toBe('Go ahead with prod-cluster?');
    expect(gate['input']).toEqual({ target: 'prod-cluster' });
  });

  it('require the form fields marked required, and keep the approver input', async () => {
    const jobId = await d.execute('signoff');
    const { step: gate } = await step(jobId, 'approve');
    expect(gate['approval_fields']).toMatchObject({
      ticket: { type: 'string', required: true },
      note: { type: 'string' },
    });
    const missing = await approve(jobId, 'approve', { approved: true, input: { note: 'hi' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(/ticket/);
    await approve(jobId, 'approve', {
      approved: true,
      input: { ticket: 'OPS-1', note: 'ok' },
    }).expect(200);
    const after = await step(jobId, 'approve');
    expect(after.step['output']).toMatchObject({
      approved: true,
      input: { ticket: 'OPS-1', note: 'ok' },
    });
  });

  it('are cancelled with their job', async () => {
    const jobId = await suspendedRelease();
    await request(server.http).post(`/api/jobs/${jobId}/cancel`).expect(200);
    const view = await d.job(jobId);
    expect(view.status).toBe('cancelled');
    expect(view.steps.find((s) => s.step_name === 'approve')?.status).toBe('cancelled');
    await approve(jobId, 'approve', { approved: true }).expect(409);
  });
});
