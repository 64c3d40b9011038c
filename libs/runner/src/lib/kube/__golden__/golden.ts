/** Fixtures and golden-file comparison shared by the pod spec and manifest tests. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { RunRequest } from '../../runner';
import type { PodSpecOptions } from '../pod-spec';

const GOLDEN_DIR = __dirname;

/**
 * Compares with the committed golden file; `UPDATE_GOLDEN=1` rewrites it (review the diff, then
 * run Prettier on it).
 */
export function expectGolden(file: string, pod: V1Pod): void {
  const actual = `${JSON.stringify(pod, null, 2)}\n`;
  const path = join(GOLDEN_DIR, file);
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(path, actual);
  // Parsed, not as text: Prettier formats the committed files.
  expect(JSON.parse(actual)).toStrictEqual(JSON.parse(readFileSync(path, 'utf8')));
}

export const OPTIONS: PodSpecOptions = {
  namespace: 'stroem-jobs',
  serverUrl: 'http://stroem-server:8080/',
  workerToken: 'worker-token-0123456789abcdef0123456789',
  runnerImage: 'ghcr.io/fremvaerk/stroem-runner:latest',
  initImage: 'curlimages/curl:latest',
  workerName: 'Worker #1',
  nameSuffix: 'x7k2q',
  scriptId: 'fixed',
};

export function request(overrides: Partial<RunRequest> = {}): RunRequest {
  return {
    action: { env: { GREETING: 'hello' } },
    workspaceDir: '/unused/on/kube',
    step: {
      jobId: '3f2a9c1e-8d7b-4e6f-a5c4-b3d2e1f0a9b8',
      taskName: 'deploy',
      stepName: 'build_image',
      workspace: 'default',
    },
    ...overrides,
  };
}
