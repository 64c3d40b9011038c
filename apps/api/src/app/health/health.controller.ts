import { Controller, Get, Res } from '@nestjs/common';
import { JobRepository } from '@stroem/db';
import type { Response } from 'express';

const DB_TIMEOUT_MS = 2000;

/** `GET /healthz`: 200 when the database answers, 503 otherwise. */
@Controller('healthz')
export class HealthController {
  constructor(private readonly jobs: JobRepository) {}

  @Get()
  async health(@Res({ passthrough: true }) res: Response) {
    const ok = await Promise.race([
      this.jobs.ping().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), DB_TIMEOUT_MS).unref()),
    ]);
    if (ok) return { status: 'ok', db: 'ok' };
    res.status(503);
    return { status: 'unhealthy', db: 'error' };
  }
}
