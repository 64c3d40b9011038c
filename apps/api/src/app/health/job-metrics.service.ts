import { Injectable, type OnModuleInit } from '@nestjs/common';
import { MetricsRepository } from '@stroem/db';
import { JobEndedService } from '../orchestrator/job-ended.service';
import { ServerMetrics } from './server-metrics.service';

/**
 * `stroem_jobs_completed_total`: counted among a job's terminal actions, once per job (the
 * `job.metrics_recorded_at` CAS), whoever runs those actions again.
 */
@Injectable()
export class JobMetricsService implements OnModuleInit {
  constructor(
    private readonly ended: JobEndedService,
    private readonly stats: MetricsRepository,
    private readonly metrics: ServerMetrics,
  ) {}

  onModuleInit(): void {
    this.ended.onJobEnded(async ({ job }) => {
      const status = await this.stats.recordJobCompletion(job.jobId);
      if (status) this.metrics.jobsCompleted.inc({ status });
    });
  }
}
