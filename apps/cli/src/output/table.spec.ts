import { formatDuration, renderTable } from './table';

describe('renderTable', () => {
  it('aligns columns on the widest cell and leaves the last column unpadded', () => {
    expect(
      renderTable(
        ['STEP', 'STATUS'],
        [
          ['say-hello', 'completed'],
          ['a', 'skipped'],
        ],
      ),
    ).toBe('STEP       STATUS\nsay-hello  completed\na          skipped');
  });

  it('ignores colour codes when measuring', () => {
    expect(renderTable(['A', 'B'], [['\u001b[32mok\u001b[39m', 'x']])).toBe(
      'A   B\n\u001b[32mok\u001b[39m  x',
    );
  });
});

describe('formatDuration', () => {
  it('prints milliseconds, seconds and minutes', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(1234)).toBe('1.2s');
    expect(formatDuration(123_000)).toBe('2m 03s');
  });
});
