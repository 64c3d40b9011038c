/**
 * The folders a step gets for state and artifacts (reference §2.16): the latest task and global
 * snapshots unpacked into `STATE_DIR` / `GLOBAL_STATE_DIR`, empty `STATE_OUT_DIR` /
 * `GLOBAL_STATE_OUT_DIR` whose contents (plus `STATE:` / `GLOBAL_STATE:` lines as `state.json`)
 * become the next snapshots, and `ARTIFACTS_DIR`.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { JsonObject } from '@stroem/workflow';
import type { Logger } from 'pino';
import { create as createTar, x as extractTar } from 'tar';
import { retryTransient } from '../lifecycle/backoff';
import type { WorkerApiClient } from '../server-api/worker-api.client';
import type { StreamResponse } from '../server-api/server-connection';
import type { ClaimedStep } from '../server-api/worker-protocol';

export interface StepFolders {
  root: string;
  stateDir: string;
  stateOutDir: string;
  globalStateDir: string;
  globalStateOutDir: string;
  artifactsDir: string;
}

/** A snapshot could not be fetched: the step fails before it runs. */
export class StateDownloadError extends Error {}

const STATE_JSON = 'state.json';

export async function createStepFolders(): Promise<StepFolders> {
  const root = await mkdtemp(path.join(tmpdir(), 'stroem-step-'));
  const folders: StepFolders = {
    root,
    stateDir: path.join(root, 'state'),
    stateOutDir: path.join(root, 'state-out'),
    globalStateDir: path.join(root, 'global-state'),
    globalStateOutDir: path.join(root, 'global-state-out'),
    artifactsDir: path.join(root, 'artifacts'),
  };
  for (const dir of Object.values(folders)) await mkdir(dir, { recursive: true });
  return folders;
}

export async function removeStepFolders(folders: StepFolders): Promise<void> {
  await rm(folders.root, { recursive: true, force: true });
}

/** Unpacks the snapshots the claim names (plain files and folders only). */
export async function downloadSnapshots(
  claim: ClaimedStep,
  folders: StepFolders,
  client: WorkerApiClient,
  giveUp: AbortSignal,
): Promise<void> {
  if (claim.state_storage_key && claim.task_name) {
    const task = claim.task_name;
    await fetchInto(
      () => client.downloadTaskState(claim.workspace, task),
      folders.stateDir,
      `task state of '${claim.workspace}/${task}'`,
      giveUp,
    );
  }
  if (claim.global_state_storage_key) {
    await fetchInto(
      () => client.downloadGlobalState(claim.workspace),
      folders.globalStateDir,
      `global state of '${claim.workspace}'`,
      giveUp,
    );
  }
}

async function fetchInto(
  download: () => Promise<StreamResponse>,
  dir: string,
  what: string,
  giveUp: AbortSignal,
): Promise<void> {
  try {
    await retryTransient(
      async () => {
        const res = await download();
        if (res.status === 204) {
          res.body.resume();
          return;
        }
        if (res.status !== 200) {
          res.body.resume();
          throw new Error(`HTTP ${res.status}`);
        }
        await pipeline(
          res.body,
          extractTar({
            cwd: dir,
            strict: true,
            filter: (_path, entry) =>
              'type' in entry && (entry.type === 'File' || entry.type === 'Directory'),
          }),
        );
      },
      { giveUp, maxAttempts: 3 },
    );
  } catch (err) {
    throw new StateDownloadError(`Could not download the ${what}: ${(err as Error).message}`);
  }
}

/**
 * After the step's process finished (any exit code): `STATE:` / `GLOBAL_STATE:` objects go to
 * `state.json` of their out folder, and each non-empty out folder is uploaded as a snapshot.
 * An upload that fails is logged; it does not fail the step.
 */
export async function uploadSnapshots(
  claim: ClaimedStep,
  folders: StepFolders,
  printed: { state?: JsonObject; globalState?: JsonObject },
  client: WorkerApiClient,
  log: Logger,
  giveUp: AbortSignal,
): Promise<void> {
  const task = claim.task_name;
  if (task) {
    await uploadOne(folders.stateOutDir, printed.state, log, giveUp, 'task state', (tgz, json) =>
      client.uploadTaskState(claim.workspace, task, claim.job_id, json, tgz),
    );
  }
  await uploadOne(
    folders.globalStateOutDir,
    printed.globalState,
    log,
    giveUp,
    'global state',
    (tgz, json) => client.uploadGlobalState(claim.workspace, claim.job_id, json, tgz),
  );
}

async function uploadOne(
  dir: string,
  printed: JsonObject | undefined,
  log: Logger,
  giveUp: AbortSignal,
  what: string,
  upload: (tarball: Buffer, hasJson: boolean) => Promise<{ snapshot_id: string }>,
): Promise<void> {
  if (printed) await writeFile(path.join(dir, STATE_JSON), JSON.stringify(printed, null, 2));
  const entries = await readdir(dir);
  if (entries.length === 0) return;
  try {
    const tarball = await packFolder(dir, entries);
    const answer = await retryTransient(() => upload(tarball, entries.includes(STATE_JSON)), {
      giveUp,
      maxAttempts: 3,
    });
    log.info({ snapshot_id: answer.snapshot_id }, `${what} snapshot stored`);
  } catch (err) {
    log.warn({ err: (err as Error).message }, `could not store the ${what} snapshot`);
  }
}

/** Plain files and folders only: links and devices stay behind. */
async function packFolder(dir: string, entries: string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = createTar(
    {
      gzip: true,
      cwd: dir,
      portable: true,
      filter: (_path, stat) => !('isFile' in stat) || stat.isFile() || stat.isDirectory(),
    },
    entries.sort(),
  );
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
