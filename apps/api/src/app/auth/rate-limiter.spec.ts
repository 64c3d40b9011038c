import { globToRegExp } from './acl.service';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('lets a burst of perMinute through, then answers the seconds to wait', () => {
    let now = 0;
    const limiter = new RateLimiter(20, () => now);
    for (let i = 0; i < 20; i++) expect(limiter.take('ip')).toBe(0);
    expect(limiter.take('ip')).toBe(3); // one token every 3 s
    expect(limiter.take('other-ip')).toBe(0);
    now += 3000;
    expect(limiter.take('ip')).toBe(0);
    expect(limiter.take('ip')).toBe(3);
    now += 60_000;
    for (let i = 0; i < 20; i++) expect(limiter.take('ip')).toBe(0);
    expect(limiter.take('ip')).toBeGreaterThan(0);
  });
});

describe('ACL globs', () => {
  it.each([
    ['*', 'anything/at/all', true],
    ['ops/*', 'ops/deploy', true],
    ['ops/*', 'ops/db/migrate', true],
    ['ops/*', 'reports/ops/x', false],
    ['deploy-?', 'deploy-1', true],
    ['deploy-?', 'deploy-12', false],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
  ])('%s matches %s: %s', (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
  });
});
