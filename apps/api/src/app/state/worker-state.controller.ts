import { Controller, Get, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { JobRepository } from '@stroem/db';
import type { Request, Response } from 'express';
import { notFound, requireJobId } from '../errors/domain-errors';
import { rawBody } from '../http/binary-bodies';
import { WorkerAuthGuard } from '../worker-api/worker-auth.guard';
import { StateSnapshotsService, type StateScope } from './state-snapshots.service';

/**
 * The worker's side of state (reference §3.4): download the latest snapshot (204 when there is
 * none), upload a new one after a step ran.
 */
@Controller('worker')
@UseGuards(WorkerAuthGuard)
export class WorkerStateController {
  constructor(
    private readonly state: StateSnapshotsService,
    private readonly jobs: JobRepository,
  ) {}

  @Get('state/:ws/:task')
  taskState(@Param('ws') ws: string, @Param('task') task: string, @Res() res: Response) {
    return this.download({ workspace: ws, task }, res);
  }

  @Get('global-state/:ws')
  globalState(@Param('ws') ws: string, @Res() res: Response) {
    return this.download({ workspace: ws, global: true }, res);
  }

  @Post('state/:ws/:task/:job')
  @HttpCode(201)
  async uploadTaskState(
    @Param('ws') ws: string,
    @Param('task') task: string,
    @Param('job') job: string,
    @Query('has_json') hasJson: string | undefined,
    @Req() req: Request,
  ) {
    const jobId = await this.requireJob(job);
    const snapshotId = await this.state.store({ workspace: ws, task }, rawBody(req), {
      jobId,
      hasJson: hasJson === 'true',
    });
    return { snapshot_id: snapshotId };
  }

  @Post('global-state/:ws/:job')
  @HttpCode(201)
  async uploadGlobalState(
    @Param('ws') ws: string,
    @Param('job') job: string,
    @Query('has_json') hasJson: string | undefined,
    @Req() req: Request,
  ) {
    const jobId = await this.requireJob(job);
    const row = await this.jobs.find(jobId);
    const snapshotId = await this.state.store({ workspace: ws, global: true }, rawBody(req), {
      jobId,
      hasJson: hasJson === 'true',
      writtenBy: row?.taskName ?? null,
    });
    return { snapshot_id: snapshotId };
  }

  private async requireJob(job: string): Promise<string> {
    const jobId = requireJobId(job);
    if (!(await this.jobs.find(jobId))) throw notFound('Job not found');
    return jobId;
  }

  private async download(scope: StateScope, res: Response): Promise<void> {
    const snapshot = await this.state.latest(scope);
    const blob = snapshot && (await this.state.open(snapshot));
    if (!snapshot || !blob) {
      res.status(204).end();
      return;
    }
    res.status(200);
    res.setHeader('Content-Type', 'application/gzip');
    res.setHeader('x-snapshot-id', snapshot.id);
    if (blob.contentLength !== undefined) res.setHeader('Content-Length', blob.contentLength);
    blob.body.on('error', () => res.destroy());
    blob.body.pipe(res);
  }
}
