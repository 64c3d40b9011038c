/**
 * The runners of one worker, one per capability it has (reference §1.13, §1.14): `script` →
 * the local shell, `docker` → a Docker engine, `kubernetes` → pods in a cluster. Each claimed
 * step goes to the runner its action names.
 */
import { DockerRunner, KubeRunner, loadKubeConfig, ShellRunner, type Runner } from '@stroem/runner';
import type { Logger } from 'pino';
import type { WorkerConfig } from '../config/worker-config';
import { UnsupportedStepError, type RunnerCapability, type StepRunPlan } from './claimed-action';

/** A container runner: the engine can be asked whether it answers, and for leftovers. */
export interface EngineRunner extends Runner {
  ping(): Promise<void>;
  removeOrphans(): Promise<number>;
}

export type StepRunners = Partial<Record<RunnerCapability, Runner>>;

/** The runner configuration is unusable (e.g. no kubeconfig): the worker must not start. */
export class RunnerSetupError extends Error {}

export function buildRunners(config: WorkerConfig): StepRunners {
  const runners: StepRunners = {};
  const has = (capability: string) => config.capabilities.includes(capability);
  if (has('script')) runners.script = new ShellRunner();
  if (has('docker')) {
    runners.docker = new DockerRunner({
      host: config.docker.host,
      runnerImage: config.runnerImage,
      pullPolicy: config.docker.pullPolicy,
      networkMode: config.docker.network,
      workerName: config.workerName,
      startupDir: config.docker.startupDir,
    });
  }
  if (has('kubernetes')) {
    const k = config.kubernetes;
    let kubeConfig: ReturnType<typeof loadKubeConfig>;
    try {
      kubeConfig = loadKubeConfig(k.kubeconfig);
    } catch (err) {
      throw new RunnerSetupError(
        `the 'kubernetes' capability needs a cluster: cannot load ${k.kubeconfig ? `kubeconfig ${k.kubeconfig}` : 'the in-cluster config or ~/.kube/config'} (${(err as Error).message}); set kubernetes.kubeconfig in the worker config or drop 'kubernetes' from capabilities`,
      );
    }
    runners.kubernetes = new KubeRunner({
      kubeConfig,
      namespace: k.namespace,
      serverUrl: k.serverUrl ?? config.serverUrl,
      workerToken: config.workerToken,
      runnerImage: config.runnerImage,
      initImage: k.initImage,
      workerName: config.workerName,
      serviceAccount: k.serviceAccount,
      startupConfigMap: k.runnerStartupConfigmap,
      imagePullPolicy: k.imagePullPolicy,
      pendingTimeoutSecs: k.pendingTimeoutSecs,
    });
  }
  return runners;
}

/** The runner for a step; a step this worker has no runner for fails with what to configure. */
export function runnerFor(plan: StepRunPlan, runners: StepRunners, workerName: string): Runner {
  const runner = runners[plan.capability];
  if (runner) return runner;
  const section = plan.capability === 'script' ? '' : ` and its '${plan.capability}:' section`;
  throw new UnsupportedStepError(
    `This ${plan.kind} step needs the '${plan.capability}' capability, which worker '${workerName}' does not have: add '${plan.capability}' to capabilities${section} in the worker config`,
  );
}

function isEngineRunner(runner: Runner): runner is EngineRunner {
  const candidate = runner as Partial<EngineRunner>;
  return typeof candidate.ping === 'function' && typeof candidate.removeOrphans === 'function';
}

const ENGINE_NAMES: Record<RunnerCapability, string> = {
  script: 'the local shell',
  docker: 'the Docker engine',
  kubernetes: 'the Kubernetes API server',
};

/**
 * At start: asks each container engine whether it answers and removes what a crashed
 * predecessor of this worker left there. An unreachable engine does not stop the worker (it may
 * come up later, and the other runners still work) but gets a loud error line.
 */
export async function prepareRunners(runners: StepRunners, log: Logger): Promise<void> {
  for (const [capability, runner] of Object.entries(runners) as [RunnerCapability, Runner][]) {
    if (!isEngineRunner(runner)) continue;
    const engine = ENGINE_NAMES[capability];
    try {
      await runner.ping();
    } catch (err) {
      log.error(
        { capability, err: (err as Error).message },
        `${engine} does not answer, so ${capability} steps will fail until it does: ${(err as Error).message}`,
      );
      continue;
    }
    try {
      const removed = await runner.removeOrphans();
      if (removed > 0) {
        log.warn(
          { capability, removed },
          `removed ${removed} leftover ${capability === 'docker' ? 'container' : 'pod'}(s) of an earlier run of this worker`,
        );
      } else {
        log.info({ capability }, `${engine} answers; no leftovers of an earlier run`);
      }
    } catch (err) {
      log.warn(
        { capability, err: (err as Error).message },
        `could not look for leftovers of an earlier run in ${engine}`,
      );
    }
  }
}
