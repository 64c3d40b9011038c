/**
 * `--server` and `--token` of the server-facing commands. Like `--path`, they may come before the
 * command (`stroem --server URL whoami`) or after it (`stroem whoami --server URL`).
 */
import type { Command } from 'commander';
import type { RemoteOptions } from '../remote/remote-client';

export function withServerOption(command: Command): Command {
  return command.option(
    '--server <url>',
    'URL of the Strøm server (env STROEM_SERVER; default http://127.0.0.1:8080)',
  );
}

export function withTokenOption(command: Command): Command {
  return command.option(
    '--token <token>',
    'access token or API key (env STROEM_TOKEN); beats the credentials stored by stroem login',
  );
}

/** The command's own `--server`/`--token`, else the ones given before the command. */
export function remoteOptions(command: Command, own: RemoteOptions): RemoteOptions {
  const global = command.parent?.opts<RemoteOptions>() ?? {};
  return { server: own.server ?? global.server, token: own.token ?? global.token };
}
