import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { makeTarball, RecordingWorkerServer } from '../../test/recording-worker-server';
import { WorkerApiClient } from '../server-api/worker-api.client';
import { WorkspaceCache, WorkspaceDownloadError } from './workspace-cache';

const logger = pino({ level: 'silent' });

describe('workspace cache against a recording HTTP server (stand-in for the Strøm server)', () => {
  let server: RecordingWorkerServer;
  let client: WorkerApiClient;
  let root: string;

  beforeEach(async () => {
    server = await RecordingWorkerServer.start();
    client = new WorkerApiClient({
      serverUrl: server.url,
      requestTimeoutMs: 5_000,
      connectTimeoutMs: 2_000,
    });
    root = await mkdtemp(join(tmpdir(), 'stroem-ws-cache-'));
  });
  afterEach(async () => {
    client.close();
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  const cache = async (maxRetainedRevisions = 5) => {
    const c = new WorkspaceCache({ client, rootDir: root, maxRetainedRevisions, logger });
    await c.init();
    return c;
  };
  const tarballRequests = () => server.requestsTo(/^\/worker\/workspace\//);
  const addRevision = async (revision: string) =>
    server.addWorkspaceRevision(
      'default',
      revision,
      await makeTarball({
        REVISION: revision,
        '.workflows/main.yaml': 'tasks: {}\n',
        'scripts/hello.sh': '#!/bin/sh\necho hello\n',
      }),
    );

  it('downloads the current revision and extracts it, file modes included', async () => {
    await addRevision('rev-a');
    const lease = await (await cache()).acquire('default');

    expect(lease.revision).toBe('rev-a');
    expect(lease.dir).toBe(join(root, 'default', 'rev-a'));
    expect(await readFile(join(lease.dir, 'REVISION'), 'utf8')).toBe('rev-a');
    expect(await readFile(join(lease.dir, '.workflows/main.yaml'), 'utf8')).toBe('tasks: {}\n');
    expect((await stat(join(lease.dir, 'scripts/hello.sh'))).mode & 0o111).not.toBe(0);
    expect(tarballRequests()[0].headers['if-none-match']).toBeUndefined();
    lease.release();
  });

  it('sends If-None-Match with the revision it holds and reuses it on 304', async () => {
    await addRevision('rev-a');
    const workspaces = await cache();
    (await workspaces.acquire('default')).release();
    const again = await workspaces.acquire('default');

    expect(again.revision).toBe('rev-a');
    const [first, second] = tarballRequests();
    expect(first.headers['if-none-match']).toBeUndefined();
    expect(second.headers['if-none-match']).toBe('"rev-a"');
    again.release();
  });

  it('fetches a new revision when the server has moved on', async () => {
    await addRevision('rev-a');
    const workspaces = await cache();
    (await workspaces.acquire('default')).release();
    await addRevision('rev-b');
    const lease = await workspaces.acquire('default');
    expect(lease.revision).toBe('rev-b');
    expect(await readFile(join(lease.dir, 'REVISION'), 'utf8')).toBe('rev-b');
    lease.release();
  });

  it('fetches a pinned revision with ?revision= and never asks again for one it holds', async () => {
    await addRevision('rev-a');
    await addRevision('rev-b');
    const workspaces = await cache();
    const pinned = await workspaces.acquire('default', 'rev-a');
    expect(await readFile(join(pinned.dir, 'REVISION'), 'utf8')).toBe('rev-a');
    expect(tarballRequests()[0].query.get('revision')).toBe('rev-a');

    const again = await workspaces.acquire('default', 'rev-a');
    expect(again.dir).toBe(pinned.dir);
    expect(tarballRequests()).toHaveLength(1);
    pinned.release();
    again.release();
  });

  it('reuses revisions a previous worker run extracted', async () => {
    await addRevision('rev-a');
    (await (await cache()).acquire('default', 'rev-a')).release();
    const lease = await (await cache()).acquire('default', 'rev-a');
    expect(tarballRequests()).toHaveLength(1);
    lease.release();
  });

  it('downloads a revision once when several steps need it at the same time', async () => {
    await addRevision('rev-a');
    const workspaces = await cache();
    const leases = await Promise.all([1, 2, 3].map(() => workspaces.acquire('default', 'rev-a')));
    expect(new Set(leases.map((l) => l.dir)).size).toBe(1);
    expect(tarballRequests()).toHaveLength(1);
    leases.forEach((l) => l.release());
  });

  it('keeps the newest max_retained_revisions and never prunes a revision in use', async () => {
    const workspaces = await cache(2);
    for (const rev of ['r1', 'r2', 'r3', 'r4']) await addRevision(rev);

    const inUse = await workspaces.acquire('default', 'r1');
    for (const rev of ['r2', 'r3', 'r4']) {
      (await workspaces.acquire('default', rev)).release();
      await new Promise((r) => setTimeout(r, 5));
    }
    // r1 is the oldest but leased: it stays, beside the two newest.
    expect(await workspaces.revisionsOnDisk('default')).toEqual(['r1', 'r3', 'r4']);
    expect(await readFile(join(inUse.dir, 'REVISION'), 'utf8')).toBe('r1');

    inUse.release();
    await new Promise((r) => setTimeout(r, 50));
    // Released, r1 is now the most recently used: r3 (least recent) goes.
    expect(await workspaces.revisionsOnDisk('default')).toEqual(['r1', 'r4']);
  });

  it('can fetch a pruned revision again', async () => {
    const workspaces = await cache(1);
    await addRevision('r1');
    await addRevision('r2');
    (await workspaces.acquire('default', 'r1')).release();
    (await workspaces.acquire('default', 'r2')).release();
    expect(await workspaces.revisionsOnDisk('default')).toEqual(['r2']);
    const lease = await workspaces.acquire('default', 'r1');
    expect(await readFile(join(lease.dir, 'REVISION'), 'utf8')).toBe('r1');
    lease.release();
  });

  it('fails with a clear message for an unknown workspace or revision', async () => {
    const workspaces = await cache();
    await expect(workspaces.acquire('nope')).rejects.toThrow(WorkspaceDownloadError);
    await expect(workspaces.acquire('nope')).rejects.toThrow(
      "Workspace tarball download failed: workspace 'nope': HTTP 404: Workspace 'nope' not found",
    );
    await addRevision('rev-a');
    await expect(workspaces.acquire('default', 'gone')).rejects.toThrow(
      "Workspace tarball download failed: workspace 'default' revision gone: HTTP 404",
    );
  });

  it('retries a download the server failed with a 5xx', async () => {
    await addRevision('rev-a');
    server.failNext(/^\/worker\/workspace\//, 1, 503);
    const lease = await (await cache()).acquire('default');
    expect(lease.revision).toBe('rev-a');
    expect(tarballRequests()).toHaveLength(2);
    lease.release();
  });

  it('rejects a body that is not a tarball and leaves no half-extracted revision', async () => {
    server.addWorkspaceRevision('default', 'bad', Buffer.from('this is not gzip'));
    const workspaces = await cache();
    await expect(workspaces.acquire('default')).rejects.toThrow(WorkspaceDownloadError);
    expect(await workspaces.revisionsOnDisk('default')).toEqual([]);
  });

  it('clears leftovers of an interrupted extraction at start-up', async () => {
    await mkdir(join(root, 'default', '.tmp-123'), { recursive: true });
    await writeFile(join(root, 'default', '.tmp-123', 'half'), 'x');
    await cache();
    await expect(stat(join(root, 'default', '.tmp-123'))).rejects.toThrow();
  });
});
