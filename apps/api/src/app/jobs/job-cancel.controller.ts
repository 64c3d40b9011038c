import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { conflict, notFound, requireJobId } from '../errors/domain-errors';
import { JobCancellationService } from '../orchestrator/job-cancellation.service';

/** `POST /api/jobs/{id}/cancel` (reference §3.1). */
@Controller('api')
export class JobCancelController {
  constructor(private readonly cancellation: JobCancellationService) {}

  @Post('jobs/:id/cancel')
  @HttpCode(200)
  async cancel(@Param('id') id: string) {
    const outcome = await this.cancellation.cancel(requireJobId(id), { kind: 'user' });
    if (outcome === 'not-found') throw notFound('Job not found');
    if (outcome === 'terminal') throw conflict('Job is already in a terminal state');
    return { status: 'cancelled' };
  }
}
