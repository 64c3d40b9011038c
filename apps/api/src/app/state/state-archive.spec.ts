import { readStateArchive, safeEntryPath, stateJsonOf, writeStateArchive } from './state-archive';

describe('state archives', () => {
  it('round-trips files, including an archive without any', async () => {
    const files = new Map([
      ['a/b.txt', Buffer.from('x')],
      ['state.json', Buffer.from('{"n":1}')],
    ]);
    const back = await readStateArchive(await writeStateArchive(files));
    expect([...back.keys()].sort()).toEqual(['a/b.txt', 'state.json']);
    expect(stateJsonOf(back)).toEqual({ n: 1 });
    expect((await readStateArchive(await writeStateArchive(new Map()))).size).toBe(0);
    expect((await readStateArchive(Buffer.alloc(0))).size).toBe(0);
  });

  it('refuses paths that climb out or are absolute', () => {
    expect(safeEntryPath('./a//b/')).toBe('a/b');
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'C:/x', 'a\\b'])
      expect(() => safeEntryPath(bad)).toThrow(/unsafe path/);
  });

  it('refuses input that is not a tarball', async () => {
    await expect(readStateArchive(Buffer.from('hello, not a tarball'))).rejects.toThrow();
  });
});
