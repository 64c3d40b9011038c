import { nearNames } from './near-names';

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
