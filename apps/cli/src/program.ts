/** The `stroem` command tree. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerActionsCommand } from './commands/actions.command';
import { registerInspectCommand } from './commands/inspect.command';
import { registerRunCommand } from './commands/run.command';
import { registerTasksCommand } from './commands/tasks.command';
import { registerTriggersCommand } from './commands/triggers.command';
import { registerValidateCommand } from './commands/validate.command';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? '0.0.0';
}

export function buildProgram(): Command {
  const program = new Command('stroem')
    .description('Strøm workflow orchestration — local tools: validate, inspect and run workspaces')
    .version(packageVersion(), '-V, --version')
    .option('-p, --path <path>', 'workspace folder for every command', undefined)
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerValidateCommand(program);
  registerTasksCommand(program);
  registerActionsCommand(program);
  registerTriggersCommand(program);
  registerInspectCommand(program);
  registerRunCommand(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}
