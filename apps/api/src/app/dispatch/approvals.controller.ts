import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApprovalService } from './approval.service';

@Controller('api')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalService) {}

  @Post('jobs/:id/steps/:step/approve')
  @HttpCode(200)
  approve(@Param('id') id: string, @Param('step') step: string, @Body() body: unknown) {
    return this.approvals.decide(id, step, body);
  }
}
