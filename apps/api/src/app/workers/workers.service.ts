import { Injectable } from '@nestjs/common';
import { WorkerRepository, type WorkerEntity } from '@stroem/db';
import { AclService } from '../auth/acl.service';
import type { Principal } from '../auth/principal';
import { invalid, isUuid, notFound } from '../errors/domain-errors';
import { pageParam } from '../jobs/jobs.service';

/** Steps shown on a worker's detail (upstream: the last 50). */
const RECENT_STEPS = 50;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function workerView(w: WorkerEntity) {
  return {
    worker_id: w.workerId,
    name: w.name,
    status: w.status,
    capabilities: w.capabilities,
    tags: w.tags,
    version: w.version,
    last_heartbeat: iso(w.lastHeartbeat),
    registered_at: w.registeredAt.toISOString(),
  };
}

/** `GET /api/workers` and a worker's detail with the steps it ran (ACL-filtered). */
@Injectable()
export class WorkersService {
  constructor(
    private readonly workers: WorkerRepository,
    private readonly acl: AclService,
  ) {}

  async list(limit: string | undefined, offset: string | undefined) {
    const page = await this.workers.list(
      Math.max(1, pageParam(limit, 'limit', 50, 1000)),
      pageParam(offset, 'offset', 0, Number.MAX_SAFE_INTEGER),
    );
    return { items: page.items.map(workerView), total: page.total };
  }

  async detail(principal: Principal | undefined, workerIdParam: string) {
    if (!isUuid(workerIdParam)) throw invalid('Invalid worker ID');
    const workerId = workerIdParam.toLowerCase();
    const worker = await this.workers.find(workerId);
    if (!worker) throw notFound('Worker not found');
    const steps = await this.workers.steps(
      workerId,
      RECENT_STEPS,
      this.acl.visibleTasks(principal),
    );
    return {
      ...workerView(worker),
      steps: {
        items: steps.items.map((s) => ({
          job_id: s.job_id,
          workspace: s.workspace,
          task_name: s.task_name,
          job_status: s.job_status,
          step_name: s.step_name,
          action_type: s.action_type,
          status: s.status,
          started_at: iso(s.started_at),
          completed_at: iso(s.completed_at),
          error_message: s.error_message,
        })),
        total: steps.total,
      },
    };
  }
}
