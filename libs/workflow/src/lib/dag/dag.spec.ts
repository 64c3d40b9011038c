import { findCycle, terminalSteps, topologicalOrder } from './dag';

function flow(deps: Record<string, string[]>): Record<string, { depends_on: string[] }> {
  return Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, { depends_on: v }]));
}

describe('topologicalOrder', () => {
  it('puts every step after the steps it depends on', () => {
    const order = topologicalOrder(
      flow({
        deploy: ['test', 'build'],
        test: ['install'],
        build: ['install'],
        install: ['checkout'],
        checkout: [],
      }),
    );
    expect(order).toEqual(['checkout', 'install', 'build', 'test', 'deploy']);
  });

  it('breaks ties between ready steps by name, whatever the declaration order', () => {
    expect(topologicalOrder(flow({ zeta: [], alpha: [], mid: ['zeta'], beta: [] }))).toEqual([
      'alpha',
      'beta',
      'zeta',
      'mid',
    ]);
  });

  it('releases a step as soon as its last dependency is placed, still in name order', () => {
    expect(topologicalOrder(flow({ a: [], z: [], b: ['z'], c: ['a'] }))).toEqual([
      'a',
      'c',
      'z',
      'b',
    ]);
  });

  it('ignores dependencies on unknown steps and counts a repeated dependency once', () => {
    expect(topologicalOrder(flow({ b: ['a', 'a', 'ghost'], a: [] }))).toEqual(['a', 'b']);
  });

  it('lists steps caught in a cycle last, in name order', () => {
    expect(topologicalOrder(flow({ c: ['b'], b: ['c'], a: [], d: ['b'] }))).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
  });

  it('returns an empty order for an empty flow', () => {
    expect(topologicalOrder({})).toEqual([]);
  });
});

describe('findCycle', () => {
  it('returns undefined for an acyclic flow', () => {
    expect(findCycle(flow({ a: [], b: ['a'], c: ['a', 'b'] }))).toBeUndefined();
  });

  it('returns the cycle as a path along depends_on, closing on its first step', () => {
    expect(findCycle(flow({ a: ['b'], b: ['c'], c: ['a'] }))).toEqual(['a', 'b', 'c', 'a']);
  });

  it('finds a self-dependency', () => {
    expect(findCycle(flow({ a: ['a'] }))).toEqual(['a', 'a']);
  });

  it('reports only the steps on the cycle, not the path that led to it', () => {
    expect(findCycle(flow({ a: ['b'], b: ['c'], c: ['d'], d: ['c'] }))).toEqual(['c', 'd', 'c']);
  });

  it('ignores dependencies on unknown steps', () => {
    expect(findCycle(flow({ a: ['ghost'] }))).toBeUndefined();
  });
});

describe('terminalSteps', () => {
  it('returns the steps nobody depends on, in name order', () => {
    expect(terminalSteps(flow({ lint: [], build: [], test: ['build'], report: ['test'] }))).toEqual(
      ['lint', 'report'],
    );
  });

  it('treats every step of a flow without dependencies as terminal', () => {
    expect(terminalSteps(flow({ b: [], a: [] }))).toEqual(['a', 'b']);
  });
});
