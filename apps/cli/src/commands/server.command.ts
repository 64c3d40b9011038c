/** `stroem server`: run the Strøm server in the foreground (`bin/stroem-server.js`). */
import type { Command } from 'commander';
import { SERVER_BIN, runInForeground } from '../service-process/service-process';

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description(
      'Run the server (REST API, worker API); embedded PostgreSQL unless db.url or DATABASE_URL is set',
    )
    .option('-c, --config <file>', 'server config (YAML); STROEM__* variables override its keys')
    .argument('[args...]', 'further arguments, passed on unchanged')
    .allowUnknownOption()
    .action(async (args: string[], opts: { config?: string }) => {
      const passed = opts.config ? ['--config', opts.config, ...args] : args;
      process.exitCode = await runInForeground(SERVER_BIN, passed);
    });
}
