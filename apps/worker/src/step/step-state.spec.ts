import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import pino from 'pino';
import { list as listTar } from 'tar';
import type { StreamResponse } from '../server-api/server-connection';
import type { WorkerApiClient } from '../server-api/worker-api.client';
import type { ClaimedStep } from '../server-api/worker-protocol';
import { makeTarball } from '../../test/recording-worker-server';
import {
  createStepFolders,
  downloadSnapshots,
  removeStepFolders,
  uploadSnapshots,
  type StepFolders,
} from './step-state';

const log = pino({ level: 'silent' });
const never = new AbortController().signal;

const claim = (extra: Partial<ClaimedStep> = {}): ClaimedStep =>
  ({
    workspace: 'default',
    job_id: 'job-1',
    task_name: 'nightly',
    step_name: 'run',
    ...extra,
  }) as ClaimedStep;

function streamOf(status: number, body: Buffer): StreamResponse {
  return { status, headers: {}, body: Readable.from([body]) as never };
}

async function entriesOf(tgz: Buffer): Promise<string[]> {
  const names: string[] = [];
  await new Promise<void>((done, fail) => {
    const parser = listTar({ onReadEntry: (e) => names.push(e.path) });
    parser.on('end', () => done());
    parser.on('error', fail);
    parser.end(tgz);
  });
  return names.sort();
}

describe('step state folders', () => {
  let folders: StepFolders;
  beforeEach(async () => (folders = await createStepFolders()));
  afterEach(() => removeStepFolders(folders));

  it('unpacks the snapshots the claim names, and only those', async () => {
    const tgz = await makeTarball({ 'hello.txt': 'hello from state', 'state.json': '{}' });
    const calls: string[] = [];
    const client = {
      downloadTaskState: async (ws: string, task: string) => {
        calls.push(`task ${ws}/${task}`);
        return streamOf(200, tgz);
      },
      downloadGlobalState: async () => {
        calls.push('global');
        return streamOf(204, Buffer.alloc(0));
      },
    } as unknown as WorkerApiClient;
    await downloadSnapshots(claim(), folders, client, never);
    expect(calls).toEqual([]);
    await downloadSnapshots(
      claim({ state_storage_key: 'k', global_state_storage_key: 'g' }),
      folders,
      client,
      never,
    );
    expect(calls).toEqual(['task default/nightly', 'global']);
    expect(await readFile(`${folders.stateDir}/hello.txt`, 'utf8')).toBe('hello from state');
  });

  it('turns STATE lines into state.json and uploads non-empty out folders', async () => {
    await mkdir(`${folders.stateOutDir}/sub`);
    await writeFile(`${folders.stateOutDir}/sub/file.txt`, 'kept');
    await symlink('/etc/passwd', `${folders.stateOutDir}/link`);
    const uploads: { kind: string; hasJson: boolean; tgz: Buffer }[] = [];
    const client = {
      uploadTaskState: async (
        _ws: string,
        _t: string,
        _j: string,
        hasJson: boolean,
        tgz: Buffer,
      ) => {
        uploads.push({ kind: 'task', hasJson, tgz });
        return { snapshot_id: 's1' };
      },
      uploadGlobalState: async (_ws: string, _j: string, hasJson: boolean, tgz: Buffer) => {
        uploads.push({ kind: 'global', hasJson, tgz });
        return { snapshot_id: 's2' };
      },
    } as unknown as WorkerApiClient;
    await uploadSnapshots(claim(), folders, { state: { n: 1 } }, client, log, never);
    expect(uploads.map((u) => [u.kind, u.hasJson])).toEqual([['task', true]]);
    expect(JSON.parse(await readFile(`${folders.stateOutDir}/state.json`, 'utf8'))).toEqual({
      n: 1,
    });
    expect(await entriesOf(uploads[0].tgz)).toEqual(['state.json', 'sub/', 'sub/file.txt']);
    expect(await readdir(folders.globalStateOutDir)).toEqual([]);
  });
});
