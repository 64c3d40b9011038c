import { Controller, Delete, Headers, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { WorkerAuthGuard } from '../worker-api/worker-auth.guard';
import { ArtifactsService } from './artifacts.service';

/** Workers upload a step's artifact files (raw bytes) and remove them after a failed upload. */
@Controller('worker/jobs/:id/steps/:step/artifacts')
@UseGuards(WorkerAuthGuard)
export class WorkerArtifactsController {
  constructor(private readonly artifacts: ArtifactsService) {}

  @Post('*name')
  @HttpCode(201)
  upload(
    @Param('id') id: string,
    @Param('step') step: string,
    @Param('name') name: string | string[],
    @Headers('content-type') contentType: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
    @Req() req: Request,
  ) {
    const joined = Array.isArray(name) ? name.join('/') : name;
    const length = contentLength !== undefined ? Number(contentLength) : undefined;
    return this.artifacts.upload(id, step, joined, req, {
      contentType,
      contentLength: Number.isSafeInteger(length) ? length : undefined,
    });
  }

  @Delete()
  @HttpCode(204)
  async remove(@Param('id') id: string, @Param('step') step: string): Promise<void> {
    await this.artifacts.deleteForStep(id, step);
  }
}
