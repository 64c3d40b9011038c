import { Injectable } from '@nestjs/common';
import { JobRepository, type JobEntity } from '@stroem/db';
import { AclService, type VisibleTask } from '../auth/acl.service';
import type { Principal } from '../auth/principal';
import type { AclAction } from '../config/server-config';
import { forbidden, isUuid, notFound } from '../errors/domain-errors';
import { isHookTaskName } from '../hooks/hook-jobs';

const JOB_NOT_FOUND = 'Job not found';

/**
 * The caller's permission on a job (reference §3.0): that of the job's task, and for a one-step
 * hook job (`_hook:<action>`) that of the job which fired it. Denied jobs read as missing.
 */
@Injectable()
export class JobAccess {
  constructor(
    private readonly acl: AclService,
    private readonly jobs: JobRepository,
  ) {}

  async permission(principal: Principal | undefined, job: JobEntity): Promise<AclAction> {
    if (!this.acl.applies(principal)) return 'run';
    let owner: Pick<JobEntity, 'workspace' | 'taskName'> = job;
    if (isHookTaskName(job.taskName)) {
      const parent =
        job.sourceId && isUuid(job.sourceId) ? await this.jobs.find(job.sourceId) : null;
      if (!parent) return 'deny';
      owner = parent;
    }
    return this.acl.permission(principal, owner.workspace, owner.taskName);
  }

  /** 404 `Job not found` unless the caller may at least view the job. */
  async requireView(principal: Principal | undefined, job: JobEntity): Promise<AclAction> {
    const permission = await this.permission(principal, job);
    if (permission === 'deny') throw notFound(JOB_NOT_FOUND);
    return permission;
  }

  /** 404 when denied, 403 when view-only (cancel, approve). */
  async requireRun(principal: Principal | undefined, job: JobEntity): Promise<void> {
    if ((await this.requireView(principal, job)) !== 'run')
      throw forbidden('You do not have permission to run this task');
  }

  /** The job (a valid, lower-cased id), or 404 when it is missing or hidden from the caller. */
  async findViewable(principal: Principal | undefined, jobId: string): Promise<JobEntity> {
    const job = await this.jobs.find(jobId);
    if (!job) throw notFound(JOB_NOT_FOUND);
    await this.requireView(principal, job);
    return job;
  }

  /** For SQL-filtered lists (`JobListFilter.visible`); undefined when nothing is filtered. */
  visibleTasks(principal: Principal | undefined): VisibleTask[] | undefined {
    return this.acl.visibleTasks(principal);
  }
}
