import { splitPieces } from './job-log-broadcaster.service';

describe('splitPieces (NOTIFY payloads of a log chunk)', () => {
  it('keeps a chunk that fits whole, at its offset', () => {
    expect(splitPieces('a\nb\n', 100)).toEqual([{ start: 100, text: 'a\nb\n' }]);
  });

  it('cuts after the last newline that fits, with each piece at its own byte offset', () => {
    const pieces = splitPieces('aaaa\nbbbb\ncccc\n', 0, 12);
    expect(pieces).toEqual([
      { start: 0, text: 'aaaa\nbbbb\n' },
      { start: 10, text: 'cccc\n' },
    ]);
  });

  it('splits a line longer than a piece between characters, never inside one', () => {
    const text = `${'é'.repeat(10)}\n`; // 21 bytes
    const pieces = splitPieces(text, 5, 8);
    expect(pieces.map((p) => p.text).join('')).toBe(text);
    expect(pieces.every((p) => Buffer.byteLength(p.text) <= 8)).toBe(true);
    expect(pieces.map((p) => p.start)).toEqual([5, 13, 21]);
    expect(pieces.some((p) => p.text.includes('\uFFFD'))).toBe(false);
  });
});
