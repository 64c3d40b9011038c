/**
 * Starts `oidc-provider.mjs` (a real OpenID provider, see its header for the login shortcut and
 * the events it reports) as a child process: oidc-provider is ESM-only and Jest runs CommonJS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

export interface OidcTestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
  /** Default RS256. */
  id_token_signed_response_alg?: 'RS256' | 'ES256';
}

export interface OidcTestAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface OidcProviderOptions {
  clients: OidcTestClient[];
  accounts: OidcTestAccount[];
  /** The client authentication methods discovery advertises (default basic and post). */
  clientAuthMethods?: string[];
  /** Default: any free port. */
  port?: number;
  /** Publish unrelated keys at the jwks_uri: every ID token then fails verification. */
  foreignJwks?: boolean;
}

/** A line the provider printed about its token endpoint or its codes. */
export interface OidcProviderEvent {
  event: 'authorization_code.saved' | 'grant.success' | 'grant.error';
  code_challenge?: string;
  code_challenge_method?: string;
  grant_type?: string;
  code_verifier?: string | null;
  error?: string;
  error_description?: string | null;
}

export interface OidcTestProvider {
  issuer: string;
  /** Everything reported so far, oldest first. */
  events: OidcProviderEvent[];
  close(): Promise<void>;
}

const SCRIPT = path.join(__dirname, 'oidc-provider.mjs');
const START_TIMEOUT_MS = 15_000;

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcTestProvider> {
  const child = spawn(process.execPath, [SCRIPT], {
    env: { ...process.env, OIDC_PROVIDER_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = child.stdout;
  // Kept for the error message: the provider warns about the Node version and its memory adapter.
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const events: OidcProviderEvent[] = [];
  const close = async () => {
    process.off('exit', killOnExit);
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited(child);
    clearTimeout(timer);
  };

  try {
    const issuer = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`OIDC test provider did not start in time: ${stderr}`)),
        START_TIMEOUT_MS,
      );
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`OIDC test provider exited with ${code}: ${stderr}`));
      });
      createInterface({ input: stdout }).on('line', (line) => {
        let parsed: { issuer?: string } & Partial<OidcProviderEvent>;
        try {
          parsed = JSON.parse(line) as typeof parsed;
        } catch {
          return;
        }
        if (parsed.issuer) {
          clearTimeout(timer);
          resolve(parsed.issuer);
        } else if (parsed.event) {
          events.push(parsed as OidcProviderEvent);
        }
      });
    });
    return { issuer, events, close };
  } catch (err) {
    await close();
    throw err;
  }
}
