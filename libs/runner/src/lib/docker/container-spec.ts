/**
 * What the Docker runner creates for a step (reference §1.13, §2.5, §2.16): a `script` action
 * runs in the runner image with the workspace mounted read-only at `/workspace`; a
 * `type: docker` action runs its image as it is, with only `/artifacts` mounted.
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { CONTAINER_STARTUP_DIR, containerScriptCommand } from '../container-script';
import { stepFolderEnv, type RunRequest, type StepFolderPaths } from '../runner';

export const CONTAINER_WORKDIR = '/workspace';
export const CONTAINER_ARTIFACTS_DIR = '/artifacts';

const CONTAINER_FOLDERS: StepFolderPaths = {
  stateDir: '/state',
  stateOutDir: '/state-out',
  globalStateDir: '/global-state',
  globalStateOutDir: '/global-state-out',
  artifactsDir: CONTAINER_ARTIFACTS_DIR,
};

/** Labels on every container the runner creates; `stroem.worker` lets a worker clean up. */
export const LABEL_MANAGED = 'stroem.managed';
export const LABEL_WORKER = 'stroem.worker';
export const LABEL_JOB_ID = 'stroem.job_id';
export const LABEL_STEP = 'stroem.step';
export const LABEL_WORKSPACE = 'stroem.workspace';

export interface ContainerSpecOptions {
  runnerImage: string;
  workerName: string;
  networkMode?: string;
  /** Host folder of startup scripts, mounted read-only at /etc/stroem/startup.d. */
  startupDir?: string;
}

export interface ContainerSpec {
  image: string;
  create: Docker.ContainerCreateOptions;
}

/** Throws `ScriptSetupError` when the action cannot become a command. */
export function buildContainerSpec(
  request: RunRequest,
  options: ContainerSpecOptions,
): ContainerSpec {
  const mounts: Docker.MountSettings[] = [];
  const bind = (source: string, target: string, readOnly: boolean) =>
    mounts.push({ Type: 'bind', Source: source, Target: target, ReadOnly: readOnly });

  const env: Record<string, string> = {};
  let image: string;
  let entrypoint: string[] | undefined;
  let cmd: string[] | undefined;
  let workingDir: string | undefined;

  if (request.container) {
    const container = request.container;
    image = container.image;
    entrypoint = container.entrypoint;
    cmd =
      container.command ?? (container.cmd !== undefined ? ['sh', '-c', container.cmd] : undefined);
    Object.assign(env, request.action.env ?? {});
    if (request.folders) {
      bind(request.folders.artifactsDir, CONTAINER_ARTIFACTS_DIR, false);
      env['ARTIFACTS_DIR'] = CONTAINER_ARTIFACTS_DIR;
    }
  } else {
    image = options.runnerImage;
    // The wrapper sources the startup scripts itself, so the image's entrypoint is replaced.
    const [program, ...args] = containerScriptCommand(request.action, {
      workdir: CONTAINER_WORKDIR,
      startupDir: options.startupDir ? CONTAINER_STARTUP_DIR : undefined,
    });
    entrypoint = [program];
    cmd = args;
    workingDir = CONTAINER_WORKDIR;
    bind(request.workspaceDir, CONTAINER_WORKDIR, true);
    if (options.startupDir) bind(options.startupDir, CONTAINER_STARTUP_DIR, true);
    env['PYTHONUNBUFFERED'] = '1';
    Object.assign(env, request.action.env ?? {});
    if (request.folders) {
      const f = request.folders;
      bind(f.stateDir, CONTAINER_FOLDERS.stateDir, true);
      bind(f.stateOutDir, CONTAINER_FOLDERS.stateOutDir, false);
      bind(f.globalStateDir, CONTAINER_FOLDERS.globalStateDir, true);
      bind(f.globalStateOutDir, CONTAINER_FOLDERS.globalStateOutDir, false);
      bind(f.artifactsDir, CONTAINER_FOLDERS.artifactsDir, false);
      Object.assign(env, stepFolderEnv(CONTAINER_FOLDERS));
    }
  }
  env['STROEM_JOB_ID'] = request.step.jobId;
  env['STROEM_TASK_NAME'] = request.step.taskName;
  env['STROEM_STEP_NAME'] = request.step.stepName;
  env['STROEM_WORKSPACE'] = request.step.workspace;

  return {
    image,
    create: {
      name: containerName(request.step.jobId, request.step.stepName),
      Image: image,
      Entrypoint: entrypoint,
      Cmd: cmd,
      WorkingDir: workingDir,
      Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
      Labels: {
        [LABEL_MANAGED]: 'true',
        [LABEL_WORKER]: options.workerName,
        [LABEL_JOB_ID]: request.step.jobId,
        [LABEL_STEP]: request.step.stepName,
        [LABEL_WORKSPACE]: request.step.workspace,
      },
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      OpenStdin: false,
      HostConfig: {
        Mounts: mounts,
        ...(options.networkMode !== undefined ? { NetworkMode: options.networkMode } : {}),
      },
    },
  };
}

/** `stroem-<job8>-<step>-<random4>`, using only the characters Docker accepts in names. */
export function containerName(jobId: string, stepName: string): string {
  const clean = (text: string) => text.replace(/[^a-zA-Z0-9_.-]+/g, '-');
  const job = clean(jobId).slice(0, 8) || 'job';
  const step = clean(stepName).slice(0, 48) || 'step';
  return `stroem-${job}-${step}-${randomBytes(2).toString('hex')}`;
}
