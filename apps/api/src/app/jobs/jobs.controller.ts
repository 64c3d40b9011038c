import { Controller, Get, Param, Query } from '@nestjs/common';
import { JobsService, type JobListQuery } from './jobs.service';

@Controller('api')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get('jobs')
  list(@Query() query: JobListQuery) {
    return this.jobs.list(query);
  }

  @Get('jobs/:id')
  detail(@Param('id') id: string) {
    return this.jobs.detail(id);
  }

  @Get('jobs/:id/logs')
  logs(@Param('id') id: string) {
    return this.jobs.logsOf(id);
  }

  @Get('jobs/:id/steps/:step/logs')
  stepLogs(@Param('id') id: string, @Param('step') step: string) {
    return this.jobs.logsOf(id, step);
  }

  @Get('stats')
  stats() {
    return this.jobs.stats();
  }
}
