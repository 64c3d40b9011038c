import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ServerApiError } from '../server-api/server-connection';
import type { WorkerApiClient } from '../server-api/worker-api.client';
import {
  ArtifactUploadError,
  artifactContentType,
  listArtifactFiles,
  uploadArtifacts,
} from './step-artifacts';

const log = pino({ level: 'silent' });
const never = new AbortController().signal;

describe('step artifacts', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stroem-artifacts-spec-'));
    await mkdir(join(dir, 'reports/daily'), { recursive: true });
    await writeFile(join(dir, 'summary.txt'), 'ok');
    await writeFile(join(dir, '.hidden'), 'h');
    await writeFile(join(dir, 'reports/daily/chart.png'), 'png');
    await symlink('/etc/passwd', join(dir, 'passwd'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('lists regular files recursively, dotfiles included, links skipped', async () => {
    expect(await listArtifactFiles(dir)).toEqual([
      '.hidden',
      'reports/daily/chart.png',
      'summary.txt',
    ]);
  });

  it('sniffs the content type from the extension', () => {
    expect(artifactContentType('a/b.PNG')).toBe('image/png');
    expect(artifactContentType('notes.txt')).toBe('text/plain');
    expect(artifactContentType('blob')).toBe('application/octet-stream');
  });

  it('uploads each file under its relative path', async () => {
    const calls: string[] = [];
    const client = {
      uploadArtifact: async (
        job: string,
        step: string,
        name: string,
        body: Buffer,
        type: string,
      ) => {
        calls.push(`${job}/${step}/${name} ${type} ${body.toString()}`);
      },
    } as unknown as WorkerApiClient;
    expect(await uploadArtifacts(dir, { jobId: 'j', stepName: 's' }, client, log, never)).toBe(3);
    expect(calls).toEqual([
      'j/s/.hidden application/octet-stream h',
      'j/s/reports/daily/chart.png image/png png',
      'j/s/summary.txt text/plain ok',
    ]);
  });

  it('removes the step’s artifacts and fails when an upload fails for good', async () => {
    const deleted: string[] = [];
    const client = {
      uploadArtifact: async () => {
        throw new ServerApiError('HTTP 413', 413, false);
      },
      deleteStepArtifacts: async (job: string, step: string) => {
        deleted.push(`${job}/${step}`);
      },
    } as unknown as WorkerApiClient;
    await expect(
      uploadArtifacts(dir, { jobId: 'j', stepName: 's' }, client, log, never),
    ).rejects.toThrow(ArtifactUploadError);
    expect(deleted).toEqual(['j/s']);
  });
});
