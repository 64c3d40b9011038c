import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { MetricsRepository } from '@stroem/db';
import { MetricsAuthGuard } from './metrics-auth.guard';
import { ServerMetrics } from './server-metrics.service';
import { ServerStatus } from './server-status.service';

/** `GET /metrics`: Prometheus text (reference §3.5); the gauges are read at scrape time. */
@Controller('metrics')
@UseGuards(MetricsAuthGuard)
export class MetricsController {
  constructor(
    private readonly metrics: ServerMetrics,
    private readonly stats: MetricsRepository,
    private readonly status: ServerStatus,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    const m = this.metrics;
    m.leaderStatus.set(this.status.isLeader() ? 1 : 0);
    for (const [task, alive] of Object.entries(this.status.loopsAlive()))
      m.backgroundTaskAlive.set({ task }, alive ? 1 : 0);
    const snapshot = await this.stats.snapshot();
    m.workersActive.set(snapshot.workersActive);
    m.stepsReady.set(snapshot.stepsReady);
    m.queueDepth.observe(snapshot.stepsReady);
    for (const status of ['pending', 'running'])
      m.jobsInFlight.set({ status }, snapshot.jobsInFlight[status] ?? 0);
    return m.registry.metrics();
  }
}
