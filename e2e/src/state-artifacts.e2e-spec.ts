/**
 * Upstream's `tests/e2e.sh` items 12 (state upload + read) and 13 (artifacts) (reference §4.1),
 * plus a task-state round trip, against a real server and worker.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create as createTar } from 'tar';
import { fixtureWorkspace, REPO_ROOT, useStack } from './harness/stack';

const stack = useStack({
  workspaces: {
    default: join(REPO_ROOT, 'examples/default'),
    test: fixtureWorkspace('e2e-workspace'),
  },
});

async function tarball(files: Record<string, string>): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'stroem-e2e-state-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const chunks: Buffer[] = [];
    const stream = createTar({ gzip: true, cwd: dir }, Object.keys(files));
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('state and artifacts (§4.1 items 12 and 13)', () => {
  it('§4.1.12 an uploaded state snapshot is what read-state sees, as files and as {{ state }}', async () => {
    const api = stack().api;
    const res = await fetch(
      `${api.baseUrl}/api/workspaces/default/tasks/read-state/state?greeting=hi`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/gzip' },
        body: await tarball({ 'hello.txt': 'hello from state' }),
      },
    );
    expect(res.status).toBe(201);
    const uploaded = (await res.json()) as { snapshot_id?: string; job_id?: string };
    expect(uploaded.snapshot_id).toEqual(expect.any(String));
    expect(uploaded.job_id).toEqual(expect.any(String));
    expect((await api.job(uploaded.job_id ?? '')).source_type).toBe('upload');

    const job = await api.waitForJob(await api.execute('default', 'read-state'));
    expect(job.status).toBe('completed');
    const logs = await api.logs(job.job_id);
    expect(logs).toContain('hello from state');
    expect(logs).toContain('TEMPLATE_GREETING: hi');
  });

  it('§4.1.13 produce-artifacts leaves downloadable artifacts', async () => {
    const api = stack().api;
    const job = await api.waitForJob(await api.execute('test', 'produce-artifacts'));
    expect(job.status).toBe('completed');
    const list = await api.get<{ name: string; url: string; size_bytes: number }[]>(
      `/api/jobs/${job.job_id}/artifacts`,
    );
    expect(list.status).toBe(200);
    expect(list.body.map((a) => a.name)).toEqual(['data/result.json', 'report.txt']);
    const report = list.body.find((a) => a.name === 'report.txt');
    expect(report?.url).toBe(`/api/jobs/${job.job_id}/artifacts/report.txt`);
    const download = await api.get(report?.url ?? '');
    expect(download.status).toBe(200);
    expect(download.text).toBe(`report of job ${job.job_id}\n`);
    expect(download.headers.get('content-type')).toContain('text/plain');
    const json = await api.get(list.body[0].url);
    expect(json.body).toEqual({ ok: true });
  });

  it('a run’s STATE line and $STATE_OUT_DIR files are what the next run sees', async () => {
    const api = stack().api;
    const first = await api.waitForJob(await api.execute('test', 'count-runs'));
    expect(first.status).toBe('completed');
    const firstLogs = await api.logs(first.job_id);
    expect(firstLogs).toContain('SEEN_N: none');
    expect(firstLogs).toContain('SEEN_FILE: none');

    const second = await api.waitForJob(await api.execute('test', 'count-runs'));
    expect(second.status).toBe('completed');
    const secondLogs = await api.logs(second.job_id);
    expect(secondLogs).toContain('SEEN_N: 1');
    expect(secondLogs).toContain('SEEN_FILE: note from an earlier run');
  });
});
