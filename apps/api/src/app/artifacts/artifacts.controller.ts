import { Controller, Get, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { contentDisposition } from './artifact-rules';
import { ArtifactsService } from './artifacts.service';

/** `GET /api/jobs/{id}/artifacts` and the download of one (View permission). */
@Controller('api/jobs/:id/artifacts')
export class ArtifactsController {
  constructor(private readonly artifacts: ArtifactsService) {}

  @Get()
  list(@CurrentPrincipal() principal: Principal | undefined, @Param('id') id: string) {
    return this.artifacts.list(principal, id);
  }

  /** The name is one path segment (`/` sent as `%2F`). */
  @Get(':name')
  async download(
    @CurrentPrincipal() principal: Principal | undefined,
    @Param('id') id: string,
    @Param('name') name: string,
    @Res() res: Response,
  ): Promise<void> {
    const { artifact, blob } = await this.artifacts.open(principal, id, name);
    res.status(200);
    res.setHeader('Content-Type', artifact.contentType);
    res.setHeader('Content-Length', String(blob.contentLength ?? artifact.sizeBytes));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Disposition', contentDisposition(artifact.name, artifact.contentType));
    res.setHeader('Cache-Control', 'private, max-age=0, must-revalidate');
    blob.body.on('error', () => res.destroy());
    blob.body.pipe(res);
  }
}
