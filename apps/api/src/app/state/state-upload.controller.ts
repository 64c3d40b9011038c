import { Controller, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { rawBody } from '../http/binary-bodies';
import { StateUploadService } from './state-upload.service';

/** `POST /api/workspaces/{ws}/tasks/{task}/state` and `POST /api/workspaces/{ws}/state`. */
@Controller('api/workspaces')
export class StateUploadController {
  constructor(private readonly uploads: StateUploadService) {}

  @Post(':ws/tasks/:task/state')
  @HttpCode(201)
  taskState(
    @CurrentPrincipal() principal: Principal | undefined,
    @Param('ws') ws: string,
    @Param('task') task: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
  ) {
    return this.uploads.uploadTaskState(principal, ws, task, { archive: rawBody(req), query });
  }

  @Post(':ws/state')
  @HttpCode(201)
  globalState(
    @CurrentPrincipal() principal: Principal | undefined,
    @Param('ws') ws: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
  ) {
    return this.uploads.uploadGlobalState(principal, ws, { archive: rawBody(req), query });
  }
}
