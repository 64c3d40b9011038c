import { findJsonErrorPosition } from './json-error-position';

describe('findJsonErrorPosition', () => {
  it('accepts valid JSON', () => {
    expect(findJsonErrorPosition('{"a": [1, 2.5e3, "x\\n", true, null]}')).toBeUndefined();
  });

  it('points at an unquoted value', () => {
    expect(findJsonErrorPosition('{"name": Ada}')).toEqual({ offset: 9, line: 1, column: 10 });
  });

  it('points at the end of unterminated input', () => {
    expect(findJsonErrorPosition('{"a": 1')).toMatchObject({ line: 1, column: 8 });
  });

  it('counts lines and columns across newlines', () => {
    expect(findJsonErrorPosition('{\n  "a": 1,\n  b: 2\n}')).toMatchObject({ line: 3, column: 3 });
  });

  it('rejects trailing garbage', () => {
    expect(findJsonErrorPosition('{} x')).toMatchObject({ column: 4 });
  });
});
