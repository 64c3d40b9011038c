import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from '../cli-error';
import { CredentialStore, credentialsPath, normaliseServerUrl } from './credential-store';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('credential store', () => {
  let home: string;
  let store: CredentialStore;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'stroem-cred-'));
    store = CredentialStore.fromEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'xdg') });
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const entry = (server: string, token = 'access-1') => ({
    server,
    email: 'ada@example.com',
    access_token: token,
    refresh_token: `refresh-of-${token}`,
  });

  describe('location', () => {
    it('lives in $XDG_CONFIG_HOME/stroem/credentials.json', () => {
      expect(credentialsPath({ HOME: '/home/ada', XDG_CONFIG_HOME: '/cfg' })).toBe(
        '/cfg/stroem/credentials.json',
      );
    });

    it('falls back to ~/.config/stroem/credentials.json without XDG_CONFIG_HOME', () => {
      expect(credentialsPath({ HOME: '/home/ada' })).toBe(
        '/home/ada/.config/stroem/credentials.json',
      );
    });

    it('ignores a relative XDG_CONFIG_HOME, as the XDG spec requires', () => {
      expect(credentialsPath({ HOME: '/home/ada', XDG_CONFIG_HOME: 'cfg' })).toBe(
        '/home/ada/.config/stroem/credentials.json',
      );
    });
  });

  it('creates the folder 0700 and the file 0600', () => {
    store.put(entry('http://127.0.0.1:8080'));
    expect(store.path).toBe(join(home, 'xdg/stroem/credentials.json'));
    expect(mode(dirname(store.path))).toBe(0o700);
    expect(mode(store.path)).toBe(0o600);
  });

  it('closes a file and folder that were left too open', () => {
    store.put(entry('http://127.0.0.1:8080'));
    chmodSync(store.path, 0o644);
    chmodSync(dirname(store.path), 0o755);
    expect(store.get('http://127.0.0.1:8080')?.email).toBe('ada@example.com');
    expect(mode(store.path)).toBe(0o600);
    expect(mode(dirname(store.path))).toBe(0o700);
  });

  it('replaces the file by rename and leaves no temp file behind', () => {
    store.put(entry('http://127.0.0.1:8080', 'first'));
    const before = statSync(store.path).ino;
    store.put(entry('http://127.0.0.1:8080', 'second'));
    expect(statSync(store.path).ino).not.toBe(before);
    expect(readdirSync(dirname(store.path))).toEqual(['credentials.json']);
    expect(store.get('http://127.0.0.1:8080')?.access_token).toBe('second');
  });

  it('keeps several servers side by side, keyed by normalised URL', () => {
    store.put(entry('http://127.0.0.1:8080', 'local'));
    store.put(entry('HTTPS://Stroem.Example.com:443/', 'prod'));
    expect(store.get('https://stroem.example.com')?.access_token).toBe('prod');
    expect(store.get('http://127.0.0.1:8080/')?.access_token).toBe('local');
    expect(store.list().map((c) => c.server)).toEqual([
      'http://127.0.0.1:8080',
      'https://stroem.example.com',
    ]);
    const onDisk = JSON.parse(readFileSync(store.path, 'utf8')) as { servers: object };
    expect(Object.keys(onDisk.servers).sort()).toEqual([
      'http://127.0.0.1:8080',
      'https://stroem.example.com',
    ]);
  });

  it('records when an entry was saved', () => {
    const before = Date.now();
    store.put(entry('http://127.0.0.1:8080'));
    const savedAt = Date.parse(store.get('http://127.0.0.1:8080')?.saved_at ?? '');
    expect(savedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(savedAt).toBeLessThanOrEqual(Date.now());
  });

  it('removes one server and keeps the others', () => {
    store.put(entry('http://127.0.0.1:8080', 'local'));
    store.put(entry('https://stroem.example.com', 'prod'));
    expect(store.remove('http://127.0.0.1:8080')).toBe(true);
    expect(store.remove('http://127.0.0.1:8080')).toBe(false);
    expect(store.get('http://127.0.0.1:8080')).toBeUndefined();
    expect(store.get('https://stroem.example.com')?.access_token).toBe('prod');
  });

  it('reads nothing, and creates nothing, when no file exists', () => {
    expect(store.get('http://127.0.0.1:8080')).toBeUndefined();
    expect(() => statSync(dirname(store.path))).toThrow();
  });

  it('names the file and the way out when it is not JSON, without showing its content', () => {
    mkdirSync(dirname(store.path), { recursive: true });
    writeFileSync(store.path, '{"servers": {"x": "secret-token"', { mode: 0o600 });
    const read = () => store.get('http://127.0.0.1:8080');
    expect(read).toThrow(CliError);
    expect(read).toThrow(`the credentials file ${store.path} is not valid JSON`);
    expect(read).not.toThrow(/secret-token/);
  });
});

describe('normaliseServerUrl', () => {
  it.each([
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['HTTP://Example.COM:80', 'http://example.com'],
    ['https://example.com:443/stroem/', 'https://example.com/stroem'],
    ['https://example.com/?x=1#y', 'https://example.com'],
  ])('%s → %s', (given, normalised) => {
    expect(normaliseServerUrl(given)).toBe(normalised);
  });

  it('rejects what is not an http(s) URL', () => {
    expect(() => normaliseServerUrl('localhost:8080')).toThrow(/expected http/);
    expect(() => normaliseServerUrl('ftp://example.com')).toThrow(/expected http/);
    expect(() => normaliseServerUrl('not a url')).toThrow(/invalid server URL/);
  });

  it('rejects a user name or password in the URL without repeating it', () => {
    expect(() => normaliseServerUrl('https://ada:hunter2@example.com')).toThrow(
      /no user name or password/,
    );
    expect(() => normaliseServerUrl('https://ada:hunter2@example.com')).not.toThrow(/hunter2/);
  });
});
