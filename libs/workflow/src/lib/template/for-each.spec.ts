import { ForEachError, MAX_FOR_EACH_ITEMS, evaluateForEach } from './for-each';
import { TemplateError } from './render';

describe('evaluateForEach', () => {
  const context = {
    input: { hosts: ['a', 'b'], csv: 'x,y' },
    scan: { output: { items: [{ id: 1 }, { id: 2 }] } },
  };

  it('uses a literal array as is', () => {
    expect(evaluateForEach([1, 'two', { three: 3 }], context)).toEqual([1, 'two', { three: 3 }]);
  });

  it('uses a string holding a JSON array directly', () => {
    expect(evaluateForEach('["a", "b", 3]', context)).toEqual(['a', 'b', 3]);
  });

  it('treats a string holding a JSON string as the template', () => {
    expect(evaluateForEach('"{{ input.hosts | json_encode() }}"', context)).toEqual(['a', 'b']);
  });

  it('renders a template whose text is a JSON array', () => {
    expect(evaluateForEach('{{ scan.output.items | json_encode() }}', context)).toEqual([
      { id: 1 },
      { id: 2 },
    ]);
    expect(evaluateForEach("{{ input.csv | split(pat=',') | json_encode() }}", context)).toEqual([
      'x',
      'y',
    ]);
  });

  it('accepts an empty list', () => {
    expect(evaluateForEach('[]', context)).toEqual([]);
    expect(evaluateForEach('{{ [] | json_encode() }}', context)).toEqual([]);
  });

  it('hints at json_encode when an array was printed the Tera way', () => {
    expect(() => evaluateForEach('{{ input.hosts }}', context)).toThrow(ForEachError);
    expect(() => evaluateForEach('{{ input.hosts }}', context)).toThrow(
      /got '\[a, b\]'.*json_encode\(\)/,
    );
  });

  it('rejects rendered text that is not an array, without the hint', () => {
    let message = '';
    try {
      evaluateForEach('{{ input.csv }}', context);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe("for_each must render a JSON array, got 'x,y'");
  });

  it('rejects a JSON object', () => {
    expect(() => evaluateForEach('{"a": 1}', context)).toThrow(ForEachError);
  });

  it('passes render errors on as TemplateError', () => {
    expect(() => evaluateForEach('{{ missing | json_encode() }}', context)).toThrow(TemplateError);
  });

  it(`allows ${MAX_FOR_EACH_ITEMS} items but not one more`, () => {
    expect(evaluateForEach(new Array(MAX_FOR_EACH_ITEMS).fill(0), context)).toHaveLength(
      MAX_FOR_EACH_ITEMS,
    );
    expect(() =>
      evaluateForEach(`{{ range(end=${MAX_FOR_EACH_ITEMS + 1}) | json_encode() }}`, context),
    ).toThrow(/10001 items; at most 10000/);
    expect(() => evaluateForEach(new Array(MAX_FOR_EACH_ITEMS + 1).fill(0), context)).toThrow(
      ForEachError,
    );
  });
});
