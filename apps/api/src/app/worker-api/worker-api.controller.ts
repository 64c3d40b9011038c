import { Body, Controller, Get, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ClaimWaiters } from './claim-waiters.service';
import { WorkerAuthGuard } from './worker-auth.guard';
import { WorkerJobsService } from './worker-jobs.service';
import { WorkerRegistryService } from './worker-registry.service';
import {
  readClaim,
  readComplete,
  readHeartbeat,
  readLogs,
  readRegister,
  readWorkerId,
} from './worker-requests';

const NO_WORK = {
  workspace: null,
  job_id: null,
  task_name: null,
  step_name: null,
  action_name: null,
  action_type: null,
  action_image: null,
  action_spec: null,
  input: null,
  runner: null,
};
const OK = { status: 'ok' };

/** The worker protocol (reference §3.4). */
@Controller('worker')
@UseGuards(WorkerAuthGuard)
export class WorkerApiController {
  constructor(
    private readonly registry: WorkerRegistryService,
    private readonly waiters: ClaimWaiters,
    private readonly jobs: WorkerJobsService,
  ) {}

  @Post('register')
  @HttpCode(200)
  async register(@Body() body: unknown) {
    return { worker_id: await this.registry.register(readRegister(body)) };
  }

  @Post('heartbeat')
  @HttpCode(200)
  async heartbeat(@Body() body: unknown) {
    await this.registry.heartbeat(readHeartbeat(body));
    return OK;
  }

  /** Long-poll: `wait_secs` (0–30, default 0) parks the request until work or the timeout. */
  @Post('jobs/claim')
  @HttpCode(200)
  async claim(@Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const req = readClaim(body);
    await this.registry.requireRegistered(req.workerId);
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const work = await this.waiters.claim(req, req.waitSecs, gone.signal);
    return work ?? NO_WORK;
  }

  @Post('jobs/:id/steps/:step/start')
  @HttpCode(200)
  async start(@Param('id') id: string, @Param('step') step: string, @Body() body: unknown) {
    await this.jobs.start(id, step, readWorkerId(body));
    return OK;
  }

  @Post('jobs/:id/steps/:step/complete')
  @HttpCode(200)
  async complete(@Param('id') id: string, @Param('step') step: string, @Body() body: unknown) {
    await this.jobs.complete(id, step, readComplete(body));
    return OK;
  }

  @Post('jobs/:id/logs')
  @HttpCode(200)
  async logs(@Param('id') id: string, @Body() body: unknown) {
    await this.jobs.appendLogs(id, readLogs(body));
    return OK;
  }

  @Get('jobs/:id/cancelled')
  async cancelled(@Param('id') id: string) {
    return { cancelled: await this.jobs.isCancelled(id) };
  }
}
