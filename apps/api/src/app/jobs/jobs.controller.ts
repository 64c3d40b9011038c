import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { JobsService, type JobListQuery } from './jobs.service';

@Controller('api')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get('jobs')
  list(@CurrentPrincipal() principal: Principal | undefined, @Query() query: JobListQuery) {
    return this.jobs.list(principal, query);
  }

  @Get('jobs/:id')
  detail(@CurrentPrincipal() principal: Principal | undefined, @Param('id') id: string) {
    return this.jobs.detail(principal, id);
  }

  @Get('jobs/:id/logs')
  logs(@CurrentPrincipal() principal: Principal | undefined, @Param('id') id: string) {
    return this.jobs.logsOf(principal, id);
  }

  @Get('jobs/:id/steps/:step/logs')
  stepLogs(
    @CurrentPrincipal() principal: Principal | undefined,
    @Param('id') id: string,
    @Param('step') step: string,
  ) {
    return this.jobs.logsOf(principal, id, step);
  }

  @Get('stats')
  stats(@CurrentPrincipal() principal: Principal | undefined) {
    return this.jobs.stats(principal);
  }
}
