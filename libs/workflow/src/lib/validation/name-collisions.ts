/**
 * Pairs of names that become the same once `-` is replaced by `_` (how agent tool names are
 * derived), as `[first, second, normalised]` in the order the names are given.
 */
export function nameCollisions(names: readonly string[]): Array<[string, string, string]> {
  const seen = new Map<string, string>();
  const out: Array<[string, string, string]> = [];
  for (const name of names) {
    const normalised = name.replaceAll('-', '_');
    const first = seen.get(normalised);
    if (first === undefined) seen.set(normalised, name);
    else out.push([first, name, normalised]);
  }
  return out;
}
