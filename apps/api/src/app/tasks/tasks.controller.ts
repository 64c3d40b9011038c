import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { TasksService } from './tasks.service';

@Controller('api')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get('tasks')
  all(@CurrentPrincipal() principal: Principal | undefined) {
    return this.tasks.all(principal);
  }

  @Get('workspaces/:ws/tasks')
  list(@CurrentPrincipal() principal: Principal | undefined, @Param('ws') ws: string) {
    return this.tasks.tasksOf(principal, ws);
  }

  @Get('workspaces/:ws/tasks/:name')
  detail(
    @CurrentPrincipal() principal: Principal | undefined,
    @Param('ws') ws: string,
    @Param('name') name: string,
  ) {
    return this.tasks.detail(principal, ws, name);
  }

  @Post('workspaces/:ws/tasks/:name/execute')
  @HttpCode(200)
  execute(
    @CurrentPrincipal() principal: Principal | undefined,
    @Param('ws') ws: string,
    @Param('name') name: string,
    @Body() body: unknown,
  ) {
    return this.tasks.execute(principal, ws, name, body);
  }
}
