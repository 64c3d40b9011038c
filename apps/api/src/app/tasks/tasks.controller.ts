import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { TasksService } from './tasks.service';

@Controller('api')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get('tasks')
  all() {
    return this.tasks.all();
  }

  @Get('workspaces/:ws/tasks')
  list(@Param('ws') ws: string) {
    return this.tasks.tasksOf(ws);
  }

  @Get('workspaces/:ws/tasks/:name')
  detail(@Param('ws') ws: string, @Param('name') name: string) {
    return this.tasks.detail(ws, name);
  }

  @Post('workspaces/:ws/tasks/:name/execute')
  @HttpCode(200)
  execute(@Param('ws') ws: string, @Param('name') name: string, @Body() body: unknown) {
    return this.tasks.execute(ws, name, body);
  }
}
