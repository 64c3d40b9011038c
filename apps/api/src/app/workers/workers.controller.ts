import { Controller, Get, Query } from '@nestjs/common';
import { WorkerRepository, type WorkerEntity } from '@stroem/db';
import { pageParam } from '../jobs/jobs.service';

function workerView(w: WorkerEntity) {
  return {
    worker_id: w.workerId,
    name: w.name,
    status: w.status,
    capabilities: w.capabilities,
    tags: w.tags,
    version: w.version,
    last_heartbeat: w.lastHeartbeat ? w.lastHeartbeat.toISOString() : null,
    registered_at: w.registeredAt.toISOString(),
  };
}

/** `GET /api/workers` — a plain read, no rules to decide. */
@Controller('api')
export class WorkersController {
  constructor(private readonly workers: WorkerRepository) {}

  @Get('workers')
  async list(@Query('limit') limit?: string, @Query('offset') offset?: string) {
    const page = await this.workers.list(
      Math.max(1, pageParam(limit, 'limit', 50, 1000)),
      pageParam(offset, 'offset', 0, Number.MAX_SAFE_INTEGER),
    );
    return { items: page.items.map(workerView), total: page.total };
  }
}
