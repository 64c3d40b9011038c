/** `stroem whoami`: the user the server sees for the current token (`GET /api/auth/me`). */
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error';
import { fetchCurrentUser, fetchServerAuthConfig } from '../remote/auth-api';
import {
  RemoteError,
  resolveRemote,
  type RemoteClient,
  type TokenSource,
} from '../remote/remote-client';
import { remoteOptions, withServerOption, withTokenOption } from './remote-command-options';

const TOKEN_ORIGIN: Record<TokenSource, string> = {
  option: '--token',
  env: 'STROEM_TOKEN',
  stored: 'stored by stroem login',
  none: 'none',
};

export function registerWhoamiCommand(program: Command): void {
  withTokenOption(withServerOption(program.command('whoami')))
    .description('Show the user you are logged in as on a Strøm server')
    .action(async (opts: { server?: string; token?: string }, command: Command) => {
      const client = resolveRemote(remoteOptions(command, opts), process.env);
      await whoami(client);
    });
}

async function whoami(client: RemoteClient): Promise<void> {
  if (!client.hasToken) {
    const config = await fetchServerAuthConfig(client).catch((err: unknown) => {
      if (err instanceof RemoteError) return undefined;
      throw err;
    });
    if (config && !config.auth_required) {
      process.stdout.write(
        `The server at ${client.server} does not require authentication: you are anonymous there.\n`,
      );
      return;
    }
    throw new CliError(`not logged in to ${client.server}: run stroem login`, EXIT.failed);
  }
  const user = await fetchCurrentUser(client);
  const lines = [
    ['Server', client.server],
    ['Email', user.email],
    ['Name', user.name ?? '-'],
    ['Admin', user.is_admin ? 'yes' : 'no'],
    ['Groups', user.groups.length > 0 ? user.groups.join(', ') : '-'],
    ['Token', TOKEN_ORIGIN[client.tokenSource]],
  ];
  process.stdout.write(lines.map(([k, v]) => `${`${k}:`.padEnd(8)}${v}\n`).join(''));
}
