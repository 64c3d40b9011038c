/** `stroem worker`: run a Strøm worker in the foreground (`bin/stroem-worker.js`). */
import type { Command } from 'commander';
import { WORKER_BIN, runInForeground } from '../service-process/service-process';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Run a worker; it needs server_url and worker_token (config file or STROEM__* variables)',
    )
    .option('-c, --config <file>', 'worker config (YAML); STROEM__* variables override its keys')
    .argument('[args...]', 'further arguments, passed on unchanged')
    .allowUnknownOption()
    .action(async (args: string[], opts: { config?: string }) => {
      const passed = opts.config ? ['--config', opts.config, ...args] : args;
      process.exitCode = await runInForeground(WORKER_BIN, passed);
    });
}
