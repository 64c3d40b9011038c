import { Controller, Get, Headers, Param, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { notFound } from '../errors/domain-errors';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import { WorkerAuthGuard } from './worker-auth.guard';

const SUFFIX = '.tar.gz';

/** `GET /worker/workspace/{ws}.tar.gz[?revision=]` with ETag / If-None-Match. */
@Controller('worker/workspace')
@UseGuards(WorkerAuthGuard)
export class WorkerWorkspaceController {
  constructor(private readonly workspaces: WorkspaceRegistry) {}

  @Get(':file')
  async tarball(
    @Param('file') file: string,
    @Query('revision') revision: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const name = file.endsWith(SUFFIX) ? file.slice(0, -SUFFIX.length) : undefined;
    const ws = name !== undefined ? this.workspaces.get(name) : undefined;
    if (!ws) throw notFound(`Workspace '${name ?? file}' not found`);
    const tarball = await ws.tarball(revision || undefined);
    if (!tarball) throw notFound(`Revision '${revision}' of workspace '${name}' is not available`);
    const etag = `"${tarball.revision}"`;
    res.setHeader('ETag', etag);
    res.setHeader('X-Revision', tarball.revision);
    const tags = (ifNoneMatch ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (tags.includes(etag) || tags.includes('*')) {
      res.status(304).end();
      return;
    }
    res.status(200).type('application/gzip').send(tarball.data);
  }
}
