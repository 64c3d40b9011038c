import { mkdtempSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { create as createTar } from 'tar';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { readStateArchive } from './state-archive';

const WORKFLOWS = `
actions:
  show:
    type: script
    script: >-
      echo "{{ state.greeting | default(value='none') }}
      {{ global_state.color | default(value='none') }}"
tasks:
  read-state:
    flow:
      read: { action: show }
  other:
    flow:
      read: { action: show }
`;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(
    { '.workflows/w.yaml': WORKFLOWS },
    {
      state_storage: { prefix: 'state/', max_snapshots: 2, global_max_snapshots: 5 },
      artifact_storage: { prefix: 'artifacts/', max_file_bytes: 1000, max_job_bytes: 1500 },
    },
  );
});
afterAll(() => server.close());

/** A gzip tarball of `files`; `links` become symbolic links. */
async function tarball(
  files: Record<string, string>,
  links: Record<string, string> = {},
): Promise<Buffer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'stroem-state-spec-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), text);
    }
    for (const [name, target] of Object.entries(links)) symlinkSync(target, path.join(dir, name));
    const chunks: Buffer[] = [];
    const names = [...Object.keys(files), ...Object.keys(links)];
    for await (const c of createTar({ gzip: true, cwd: dir }, names) as AsyncIterable<Buffer>)
      chunks.push(c);
    return Buffer.concat(chunks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function upload(pathAndQuery: string, body: Buffer) {
  return request(server.http).post(pathAndQuery).set('Content-Type', 'application/gzip').send(body);
}

async function claimOnce(taskName: string) {
  const reg = await request(server.http)
    .post('/worker/register')
    .send({ name: 'w', capabilities: ['script'] })
    .expect(200);
  const job = await request(server.http)
    .post(`/api/workspaces/default/tasks/${taskName}/execute`)
    .send({})
    .expect(200);
  // Steps of earlier tests' jobs may come first: finish them.
  for (;;) {
    const claim = await request(server.http)
      .post('/worker/jobs/claim')
      .send({ worker_id: reg.body.worker_id, capabilities: ['script'], tags: [] })
      .expect(200);
    expect(claim.body.job_id).not.toBeNull();
    if (claim.body.job_id === job.body.job_id)
      return claim.body as Record<string, unknown> & { action_spec: { script: string } };
    await request(server.http)
      .post(`/worker/jobs/${claim.body.job_id}/steps/${claim.body.step_name}/complete`)
      .send({ exit_code: 0 })
      .expect(200);
  }
}

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

describe('manual state upload', () => {
  it('creates a completed upload job and a snapshot the next claim renders and downloads', async () => {
    const res = await upload(
      '/api/workspaces/default/tasks/read-state/state?greeting=hi',
      await tarball({ 'hello.txt': 'hello from state' }),
    ).expect(201);
    expect(res.body).toEqual({ snapshot_id: expect.any(String), job_id: expect.any(String) });
    const job = await request(server.http).get(`/api/jobs/${res.body.job_id}`).expect(200);
    expect(job.body).toMatchObject({ status: 'completed', source_type: 'upload', steps: [] });
    expect(job.body.input.upload).toMatchObject({ has_json: true, mode: 'replace' });
    expect(job.body.input.upload.sha256).toMatch(/^[0-9a-f]{64}$/);

    const claim = await claimOnce('read-state');
    expect(claim.action_spec.script).toBe('echo "hi none"');
    expect(claim).toMatchObject({ state_has_json: true, state_storage_key: expect.any(String) });

    const download = await request(server.http)
      .get('/worker/state/default/read-state')
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(download.headers['x-snapshot-id']).toBe(res.body.snapshot_id);
    const files = await readStateArchive(download.body as Buffer);
    expect(files.get('hello.txt')?.toString()).toBe('hello from state');
    expect(JSON.parse(files.get('state.json')?.toString() ?? '')).toEqual({ greeting: 'hi' });
  });

  it('merges over the latest snapshot with mode=merge; replace drops earlier files', async () => {
    await upload(
      '/api/workspaces/default/tasks/other/state?a=1',
      await tarball({ 'one.txt': '1' }),
    ).expect(201);
    await upload(
      '/api/workspaces/default/tasks/other/state?mode=merge&b=2',
      await tarball({ 'two.txt': '2' }),
    ).expect(201);
    let res = await request(server.http)
      .get('/worker/state/default/other')
      .buffer(true)
      .parse(binary);
    let files = await readStateArchive(res.body as Buffer);
    expect([...files.keys()].sort()).toEqual(['one.txt', 'state.json', 'two.txt']);
    expect(JSON.parse(files.get('state.json')?.toString() ?? '')).toEqual({ a: '1', b: '2' });

    await upload('/api/workspaces/default/tasks/other/state', Buffer.alloc(0)).expect(201);
    res = await request(server.http).get('/worker/state/default/other').buffer(true).parse(binary);
    files = await readStateArchive(res.body as Buffer);
    expect(files.size).toBe(0);
  });

  it('refuses a root state.json, links, unsafe paths, a bad mode and unknown tasks', async () => {
    const url = '/api/workspaces/default/tasks/read-state/state';
    await upload(url, await tarball({ 'state.json': '{}' })).expect(400);
    await upload(url, await tarball({}, { 'link.txt': '/etc/passwd' })).expect(400);
    await upload(`${url}?mode=squash`, Buffer.alloc(0)).expect(400);
    await upload(url, Buffer.from('not a tarball at all, just text')).expect(400);
    await upload('/api/workspaces/default/tasks/nope/state', Buffer.alloc(0)).expect(404);
  });
});

describe('worker state protocol', () => {
  it('answers 204 without a snapshot and prunes to max_snapshots', async () => {
    await request(server.http).get('/worker/global-state/default').expect(204);
    const job = await request(server.http)
      .post('/api/workspaces/default/tasks/other/execute')
      .send({})
      .expect(200);
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await upload(
        `/worker/state/default/pruned/${job.body.job_id}?has_json=false`,
        await tarball({ [`f${n}.txt`]: String(n) }),
      ).expect(201);
      ids.push(res.body.snapshot_id);
    }
    const latest = await request(server.http).get('/worker/state/default/pruned').expect(200);
    expect(latest.headers['x-snapshot-id']).toBe(ids[2]);
  });

  it('stores global state that claims render as global_state', async () => {
    const job = await request(server.http)
      .post('/api/workspaces/default/tasks/other/execute')
      .send({})
      .expect(200);
    await upload(
      `/worker/global-state/default/${job.body.job_id}?has_json=true`,
      await tarball({ 'state.json': '{"color":"blue"}' }),
    ).expect(201);
    const claim = await claimOnce('read-state');
    expect(claim.action_spec.script).toBe('echo "hi blue"');
    expect(claim).toMatchObject({ global_state_has_json: true });
  });
});

describe('artifacts', () => {
  let jobId: string;
  const art = (name: string) => `/worker/jobs/${jobId}/steps/read/artifacts/${name}`;

  beforeAll(async () => {
    const res = await request(server.http)
      .post('/api/workspaces/default/tasks/other/execute')
      .send({})
      .expect(200);
    jobId = res.body.job_id;
  });

  it('stores, lists, downloads and replaces artifacts by name', async () => {
    const up = await request(server.http)
      .post(art('reports/summary.txt'))
      .set('Content-Type', 'text/plain')
      .send(Buffer.from('first'))
      .expect(201);
    expect(up.body).toMatchObject({ name: 'reports/summary.txt', size_bytes: 5 });
    await request(server.http)
      .post(art('reports/summary.txt'))
      .set('Content-Type', 'text/plain')
      .send(Buffer.from('second!'))
      .expect(201);
    await request(server.http)
      .post(art('data.bin'))
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.from([1, 2, 3]))
      .expect(201);

    const list = await request(server.http).get(`/api/jobs/${jobId}/artifacts`).expect(200);
    expect(list.body).toEqual([
      expect.objectContaining({ name: 'data.bin', size_bytes: 3, step_name: 'read' }),
      expect.objectContaining({
        name: 'reports/summary.txt',
        content_type: 'text/plain',
        size_bytes: 7,
        url: `/api/jobs/${jobId}/artifacts/reports%2Fsummary.txt`,
      }),
    ]);
    const text = await request(server.http).get(list.body[1].url).expect(200);
    expect(text.text).toBe('second!');
    expect(text.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=0, must-revalidate',
      'content-length': '7',
    });
    expect(text.headers['content-disposition']).toMatch(/^inline; filename="summary.txt"/);
    const bin = await request(server.http).get(list.body[0].url).expect(200);
    expect(bin.headers['content-disposition']).toMatch(/^attachment;/);
    await request(server.http).get(`/api/jobs/${jobId}/artifacts/missing`).expect(404);
  });

  it('refuses bad names, unknown steps and files or jobs over the caps', async () => {
    for (const bad of ['-x', '%2Fabs', 'a/../b', 'a//b', 'x'.repeat(256)]) {
      await request(server.http).post(art(bad)).send(Buffer.from('x')).expect(400);
    }
    await request(server.http)
      .post(`/worker/jobs/${jobId}/steps/nope/artifacts/a.txt`)
      .send(Buffer.from('x'))
      .expect(400);
    await request(server.http).post(art('big.bin')).send(Buffer.alloc(1001)).expect(413);
    await request(server.http).post(art('nine.bin')).send(Buffer.alloc(900)).expect(201);
    const over = await request(server.http).post(art('more.bin')).send(Buffer.alloc(900));
    expect(over.status).toBe(413);
    expect(over.body.error).toContain('1500-byte limit');
  });

  it('streams uploads: a chunked body past the cap is refused mid-way and leaves nothing', async () => {
    const upload = (name: string, chunks: Buffer[]) =>
      new Promise<request.Response>((resolve, reject) => {
        // Written piece by piece, the body goes out chunked, without a Content-Length.
        const req = request(server.http).post(art(name));
        for (const chunk of chunks) void req.write(chunk);
        req.end((err, res) => (res ? resolve(res) : reject(err as Error)));
      });
    const ok = await upload('chunked.txt', [Buffer.from('abc'), Buffer.from('def')]);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ name: 'chunked.txt', size_bytes: 6 });

    const over = await upload('huge.bin', [
      Buffer.alloc(400),
      Buffer.alloc(400),
      Buffer.alloc(400),
    ]);
    expect(over.status).toBe(413);
    expect(over.body.error).toMatch(/huge\.bin' exceeds the 1000-byte limit|1500-byte limit/);
    const names = (await request(server.http).get(`/api/jobs/${jobId}/artifacts`)).body.map(
      (a: { name: string }) => a.name,
    );
    expect(names).toContain('chunked.txt');
    expect(names).not.toContain('huge.bin');
    const files = readdirSync(path.join(server.dir, 'artifacts'), { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('deletes a step’s artifacts and refuses uploads to a finished job', async () => {
    await request(server.http).delete(`/worker/jobs/${jobId}/steps/read/artifacts`).expect(204);
    expect((await request(server.http).get(`/api/jobs/${jobId}/artifacts`)).body).toEqual([]);
    await request(server.http).post(`/api/jobs/${jobId}/cancel`).expect(200);
    await request(server.http).post(art('late.txt')).send(Buffer.from('x')).expect(409);
  });
});
