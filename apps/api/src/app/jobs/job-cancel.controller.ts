import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { JobsService } from './jobs.service';

/** `POST /api/jobs/{id}/cancel` (reference §3.1). */
@Controller('api')
export class JobCancelController {
  constructor(private readonly jobs: JobsService) {}

  @Post('jobs/:id/cancel')
  @HttpCode(200)
  cancel(@CurrentPrincipal() principal: Principal | undefined, @Param('id') id: string) {
    return this.jobs.cancel(principal, id);
  }
}
