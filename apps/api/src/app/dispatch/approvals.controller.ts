import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { ApprovalService } from './approval.service';

@Controller('api')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalService) {}

  @Post('jobs/:id/steps/:step/approve')
  @HttpCode(200)
  approve(
    @CurrentPrincipal() principal: Principal | undefined,
    @Param('id') id: string,
    @Param('step') step: string,
    @Body() body: unknown,
  ) {
    return this.approvals.decide(principal, id, step, body);
  }
}
