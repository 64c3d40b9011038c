/**
 * `stroem login`: log in to a server with e-mail and password (or store an API key with
 * `--token`) so later server-facing commands are authenticated. Nothing is stored when the
 * server does not use authentication.
 */
import type { Command } from 'commander';
import { CliError } from '../cli-error';
import { fetchCurrentUser, fetchServerAuthConfig, type ServerAuthConfig } from '../remote/auth-api';
import { CredentialStore } from '../remote/credential-store';
import { promptHidden, promptLine, readPasswordFromStdin } from '../remote/credential-prompt';
import {
  RemoteClient,
  RemoteError,
  refreshTokenFromCookies,
  resolveServer,
} from '../remote/remote-client';
import { remoteOptions, withServerOption } from './remote-command-options';

interface LoginOptions {
  server?: string;
  token?: string;
  email?: string;
  passwordStdin?: boolean;
}

export function registerLoginCommand(program: Command): void {
  withServerOption(program.command('login'))
    .description('Log in to a Strøm server and keep the credentials for later commands')
    .option('--email <email>', 'your e-mail address (asked for on a terminal when missing)')
    .option('--password-stdin', 'read the password from stdin instead of asking for it')
    .option(
      '--token <token>',
      'store this API key (strm_…) or access token instead of logging in with a password',
    )
    .action(async (opts: LoginOptions, command: Command) => {
      const { server: given, token } = remoteOptions(command, opts);
      await login({ ...opts, server: given, token }, process.env);
    });
}

async function login(opts: LoginOptions, env: NodeJS.ProcessEnv): Promise<void> {
  if (opts.token && (opts.email || opts.passwordStdin)) {
    throw new CliError('--token stores an API key: give it without --email and --password-stdin');
  }
  const server = resolveServer(opts, env);
  const store = CredentialStore.fromEnv(env);
  const anonymous = new RemoteClient(server, store, undefined, 'none');

  const config = await authConfigOf(anonymous);
  if (config && !config.auth_required) {
    process.stdout.write(
      `The server at ${server} does not require authentication: there is nothing to log in to, ` +
        'and no credentials were stored.\n',
    );
    return;
  }

  if (opts.token) {
    const user = await fetchCurrentUser(new RemoteClient(server, store, opts.token, 'option'));
    store.put({ server, email: user.email, access_token: opts.token });
    const kind = opts.token.startsWith('strm_') ? 'an API key' : 'an access token';
    process.stdout.write(`Logged in to ${server} as ${user.email} (with ${kind})\n`);
  } else {
    if (config && !config.has_internal_auth) {
      const providers = config.oidc_providers.map((p) => p.display_name).join(', ');
      throw new CliError(
        `${server} signs users in through ${providers || 'single sign-on'} only: create an API ` +
          'key there and run stroem login --token <key>',
      );
    }
    const email = await emailFrom(opts);
    const password = await passwordFrom(opts);
    const tokens = await passwordLogin(anonymous, email, password);
    store.put({ server, email, ...tokens });
    process.stdout.write(`Logged in to ${server} as ${email}\n`);
    if (!tokens.refresh_token) {
      process.stderr.write(
        'stroem: the server sent no refresh token: run stroem login again when the session expires\n',
      );
    }
  }
  if (env['STROEM_TOKEN']) {
    process.stderr.write(
      'stroem: note: STROEM_TOKEN is set, and commands use it instead of these credentials\n',
    );
  }
}

/** Undefined when the server has no `/api/config` (then the login call itself decides). */
async function authConfigOf(client: RemoteClient): Promise<ServerAuthConfig | undefined> {
  try {
    return await fetchServerAuthConfig(client);
  } catch (err) {
    if (err instanceof RemoteError && err.status !== 429) return undefined;
    throw err;
  }
}

async function emailFrom(opts: LoginOptions): Promise<string> {
  if (opts.email?.trim()) return opts.email.trim();
  if (opts.passwordStdin || !process.stdin.isTTY) {
    throw new CliError(
      opts.passwordStdin
        ? '--password-stdin needs --email'
        : 'no terminal to ask for the e-mail address: pass --email (and --password-stdin)',
    );
  }
  const email = (await promptLine('Email: ')).trim();
  if (email === '') throw new CliError('no e-mail address given');
  return email;
}

async function passwordFrom(opts: LoginOptions): Promise<string> {
  if (opts.passwordStdin) return readPasswordFromStdin();
  if (!process.stdin.isTTY) {
    throw new CliError('no terminal to ask for the password: pass --password-stdin');
  }
  const password = await promptHidden('Password: ');
  if (password === '') throw new CliError('no password given');
  return password;
}

async function passwordLogin(
  client: RemoteClient,
  email: string,
  password: string,
): Promise<{ access_token: string; refresh_token?: string }> {
  let res;
  try {
    res = await client.request<{ access_token?: unknown }>('POST', '/api/auth/login', {
      body: { email, password },
      authenticate: false,
    });
  } catch (err) {
    if (err instanceof RemoteError) {
      throw new RemoteError(
        `login failed: ${err.message}`,
        err.status,
        err.serverMessage,
        err.retryAfterSecs,
      );
    }
    throw err;
  }
  if (typeof res.body?.access_token !== 'string') {
    throw new CliError(`unexpected answer from ${client.server} to the login: no access_token`);
  }
  return {
    access_token: res.body.access_token,
    refresh_token: refreshTokenFromCookies(res.headers),
  };
}
