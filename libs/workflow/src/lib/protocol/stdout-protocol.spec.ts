import { parseProtocolLine, StdoutProtocolCollector } from './stdout-protocol';

describe('parseProtocolLine', () => {
  it('reads an OUTPUT object with a space after the colon', () => {
    expect(parseProtocolLine('OUTPUT: {"greeting": "Hello"}')).toEqual({
      kind: 'output',
      value: { greeting: 'Hello' },
    });
  });

  it('reads an OUTPUT without a space after the colon', () => {
    expect(parseProtocolLine('OUTPUT:{"a":1}')).toEqual({ kind: 'output', value: { a: 1 } });
  });

  it('accepts any JSON value as OUTPUT: array, string, number, boolean, null', () => {
    expect(parseProtocolLine('OUTPUT: [1,2]')).toEqual({ kind: 'output', value: [1, 2] });
    expect(parseProtocolLine('OUTPUT: "done"')).toEqual({ kind: 'output', value: 'done' });
    expect(parseProtocolLine('OUTPUT: 42')).toEqual({ kind: 'output', value: 42 });
    expect(parseProtocolLine('OUTPUT: true')).toEqual({ kind: 'output', value: true });
    expect(parseProtocolLine('OUTPUT: null')).toEqual({ kind: 'output', value: null });
  });

  it('ignores a line whose JSON does not parse', () => {
    expect(parseProtocolLine('OUTPUT: {not json}')).toBeNull();
    expect(parseProtocolLine('OUTPUT: hello')).toBeNull();
  });

  it('only recognises the prefix at the very start of the line', () => {
    expect(parseProtocolLine('  OUTPUT: {"a":1}')).toBeNull();
    expect(parseProtocolLine('echo OUTPUT: {"a":1}')).toBeNull();
    expect(parseProtocolLine('output: {"a":1}')).toBeNull();
  });

  it('still parses when more whitespace follows the colon (JSON allows leading whitespace)', () => {
    expect(parseProtocolLine('OUTPUT:  {"a":1}')).toEqual({ kind: 'output', value: { a: 1 } });
  });

  it('reads STATE and GLOBAL_STATE objects', () => {
    expect(parseProtocolLine('STATE: {"k":"v"}')).toEqual({ kind: 'state', value: { k: 'v' } });
    expect(parseProtocolLine('GLOBAL_STATE:{"k":1}')).toEqual({
      kind: 'global_state',
      value: { k: 1 },
    });
  });

  it('ignores STATE and GLOBAL_STATE values that are not objects', () => {
    expect(parseProtocolLine('STATE: [1]')).toBeNull();
    expect(parseProtocolLine('GLOBAL_STATE: "x"')).toBeNull();
  });

  it('tolerates a trailing carriage return', () => {
    expect(parseProtocolLine('OUTPUT: {"a":1}\r')).toEqual({ kind: 'output', value: { a: 1 } });
  });
});

describe('StdoutProtocolCollector', () => {
  it('has a null output when no OUTPUT line was printed', () => {
    const c = new StdoutProtocolCollector();
    c.accept('hello');
    expect(c.output).toBeNull();
    expect(c.hasOutput).toBe(false);
    expect(c.state).toBeUndefined();
  });

  it('keeps the last valid OUTPUT and ignores later invalid ones', () => {
    const c = new StdoutProtocolCollector();
    c.accept('OUTPUT: {"n":1}');
    c.accept('OUTPUT: {"n":2}');
    c.accept('OUTPUT: {broken');
    expect(c.output).toEqual({ n: 2 });
  });

  it('shallow-merges STATE objects with later keys winning', () => {
    const c = new StdoutProtocolCollector();
    c.accept('STATE: {"a":1,"b":{"x":1}}');
    c.accept('STATE: {"b":{"y":2},"c":3}');
    expect(c.state).toEqual({ a: 1, b: { y: 2 }, c: 3 });
  });

  it('keeps GLOBAL_STATE separate from STATE', () => {
    const c = new StdoutProtocolCollector();
    c.accept('GLOBAL_STATE: {"g":1}');
    c.accept('STATE: {"s":1}');
    expect(c.globalState).toEqual({ g: 1 });
    expect(c.state).toEqual({ s: 1 });
  });

  it('returns what it recognised so callers can intercept OUTPUT lines', () => {
    const c = new StdoutProtocolCollector();
    expect(c.accept('plain')).toBeNull();
    expect(c.accept('OUTPUT: 1')).toEqual({ kind: 'output', value: 1 });
  });
});
