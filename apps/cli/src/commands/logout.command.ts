/**
 * `stroem logout`: end the stored session on the server (its refresh token is revoked) and
 * forget the server's credentials. The local entry goes even when the server cannot be reached.
 */
import type { Command } from 'commander';
import { CliError } from '../cli-error';
import { CredentialStore } from '../remote/credential-store';
import { RemoteClient, resolveServer } from '../remote/remote-client';
import { remoteOptions, withServerOption } from './remote-command-options';

export function registerLogoutCommand(program: Command): void {
  withServerOption(program.command('logout'))
    .description('Log out of a Strøm server and delete its stored credentials')
    .action(async (opts: { server?: string }, command: Command) => {
      const server = resolveServer(remoteOptions(command, opts), process.env);
      await logout(server, CredentialStore.fromEnv(process.env));
    });
}

async function logout(server: string, store: CredentialStore): Promise<void> {
  const stored = store.get(server);
  if (!stored) {
    process.stdout.write(`Not logged in to ${server}: nothing to do.\n`);
    return;
  }
  if (stored.refresh_token) {
    const client = new RemoteClient(server, store, undefined, 'none');
    try {
      await client.post(
        '/api/auth/logout',
        { refresh_token: stored.refresh_token },
        {
          authenticate: false,
        },
      );
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      process.stderr.write(
        `stroem: could not end the session on the server (${err.message}); ` +
          'the local credentials are deleted anyway\n',
      );
    }
  }
  store.remove(server);
  process.stdout.write(`Logged out of ${server}\n`);
  if (!stored.refresh_token) {
    process.stdout.write(
      'The API key itself stays valid until it expires or is deleted on the server.\n',
    );
  }
}
