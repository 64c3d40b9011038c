/** The `stroem` command tree. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerActionsCommand } from './commands/actions.command';
import { registerArtifactsCommand } from './commands/artifacts.command';
import { registerDevCommand } from './commands/dev.command';
import { registerInspectCommand } from './commands/inspect.command';
import { registerLoginCommand } from './commands/login.command';
import { registerLogsCommand } from './commands/logs.command';
import { registerLogoutCommand } from './commands/logout.command';
import { withServerOption, withTokenOption } from './commands/remote-command-options';
import { registerRunCommand } from './commands/run.command';
import { registerServerCommand } from './commands/server.command';
import { registerStateCommand } from './commands/state.command';
import { registerTasksCommand } from './commands/tasks.command';
import { registerTriggersCommand } from './commands/triggers.command';
import { registerValidateCommand } from './commands/validate.command';
import { registerWhoamiCommand } from './commands/whoami.command';
import { registerWorkerCommand } from './commands/worker.command';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? '0.0.0';
}

export function buildProgram(): Command {
  const program = new Command('stroem')
    .description(
      'Strøm workflow orchestration — validate, inspect and run workspaces; start the server and workers',
    )
    .version(packageVersion(), '-V, --version')
    .option('-p, --path <path>', 'workspace folder for every command', undefined)
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  withTokenOption(withServerOption(program));
  registerValidateCommand(program);
  registerTasksCommand(program);
  registerActionsCommand(program);
  registerTriggersCommand(program);
  registerInspectCommand(program);
  registerRunCommand(program);
  registerDevCommand(program);
  registerServerCommand(program);
  registerWorkerCommand(program);
  registerLoginCommand(program);
  registerLogoutCommand(program);
  registerWhoamiCommand(program);
  registerLogsCommand(program);
  registerArtifactsCommand(program);
  registerStateCommand(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}
