import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { WorkersService } from './workers.service';

/** `GET /api/workers` and `GET /api/workers/{id}` (reference §3.1). */
@Controller('api')
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  @Get('workers')
  list(@Query('limit') limit?: string, @Query('offset') offset?: string) {
    return this.workers.list(limit, offset);
  }

  @Get('workers/:id')
  detail(@CurrentPrincipal() principal: Principal | undefined, @Param('id') id: string) {
    return this.workers.detail(principal, id);
  }
}
