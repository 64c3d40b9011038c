import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { JobRepository } from '@stroem/db';
import type { Response } from 'express';
import { WorkerAuthGuard } from '../worker-api/worker-auth.guard';
import { ServerStatus } from './server-status.service';

const DB_TIMEOUT_MS = 2000;

/** `GET /healthz` (public) and `GET /healthz/detail` (worker token), reference §3.5. */
@Controller('healthz')
export class HealthController {
  constructor(
    private readonly jobs: JobRepository,
    private readonly status: ServerStatus,
  ) {}

  /** 200 when the database answers, 503 otherwise. */
  @Get()
  async health(@Res({ passthrough: true }) res: Response) {
    if (await this.databaseAnswers()) return { status: 'ok', db: 'ok' };
    res.status(503);
    return { status: 'unhealthy', db: 'error' };
  }

  /** Leadership and the leader loops; 503 when the database is down or a leader loop stopped. */
  @Get('detail')
  @UseGuards(WorkerAuthGuard)
  async detail(@Res({ passthrough: true }) res: Response) {
    const db = await this.databaseAnswers();
    const loops = this.status.loopChecks();
    const healthy = db && Object.values(loops).every((check) => check !== 'stopped');
    if (!healthy) res.status(503);
    return {
      status: healthy ? 'ok' : 'unhealthy',
      checks: { db: db ? 'ok' : 'error', leader: this.status.isLeader(), ...loops },
    };
  }

  private databaseAnswers(): Promise<boolean> {
    return Promise.race([
      this.jobs.ping().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), DB_TIMEOUT_MS).unref()),
    ]);
  }
}
