import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { FALLBACK_DATA_ROOT, reachableDataDir } from './embedded-postgres';

describe('reachableDataDir (embedded PostgreSQL run as the postgres user by root)', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'stroem-datadir-'));
    chmodSync(base, 0o755);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('keeps the wanted data dir when every directory above it can be entered by others', async () => {
    const wanted = path.join(base, 'checkout', '.data', 'pg');
    expect(await reachableDataDir(wanted)).toBe(wanted);
  });

  it('moves the data under /var/lib/stroem when a directory above is private, one dir per checkout', async () => {
    const home = path.join(base, 'home');
    mkdirSync(path.join(home, 'a'), { recursive: true });
    mkdirSync(path.join(home, 'b'), { recursive: true });
    chmodSync(home, 0o700);
    const first = await reachableDataDir(path.join(home, 'a', '.data', 'pg'));
    const second = await reachableDataDir(path.join(home, 'b', '.data', 'pg'));
    try {
      expect(first.startsWith(`${FALLBACK_DATA_ROOT}/`)).toBe(true);
      expect(path.basename(first)).toBe('pg');
      expect(second).not.toBe(first);
      expect(await reachableDataDir(path.join(home, 'a', '.data', 'pg'))).toBe(first);
    } finally {
      rmSync(path.dirname(first), { recursive: true, force: true });
      rmSync(path.dirname(second), { recursive: true, force: true });
    }
  });
});
