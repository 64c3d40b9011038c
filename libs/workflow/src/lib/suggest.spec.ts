import { didYouMean, nearNames } from './suggest';

describe('didYouMean', () => {
  it('suggests the closest candidate, counting a swap of neighbours as one edit', () => {
    expect(didYouMean('tset', ['test', 'build'])).toBe(" (did you mean 'test'?)");
    expect(didYouMean('deplyo', ['deploy', 'destroy'])).toBe(" (did you mean 'deploy'?)");
  });

  it('suggests a candidate that differs only in case', () => {
    expect(didYouMean('Build', ['build'])).toBe(" (did you mean 'build'?)");
  });

  it('suggests nothing when no candidate is close', () => {
    expect(didYouMean('release', ['test', 'build'])).toBe('');
    expect(didYouMean('x', ['y'])).toBe('');
  });

  it('breaks ties by name', () => {
    expect(didYouMean('cat', ['cut', 'bat'])).toBe(" (did you mean 'bat'?)");
  });
});

describe('nearNames', () => {
  it('suggests names within a small edit distance, closest first', () => {
    expect(nearNames('hello-wrld', ['hello-world', 'hello-with-warning', 'deploy'])).toEqual([
      'hello-world',
    ]);
  });

  it('suggests names containing what was typed', () => {
    expect(nearNames('deploy', ['deploy-pipeline', 'data-pipeline'])).toEqual(['deploy-pipeline']);
  });

  it('suggests nothing for an unrelated name', () => {
    expect(nearNames('zzz', ['hello-world'])).toEqual([]);
  });
});
