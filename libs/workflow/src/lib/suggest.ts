/**
 * ` (did you mean 'test'?)` when one of `candidates` is a plausible typo of `name`, else ''.
 * Closeness is the optimal-string-alignment distance (a swap of two neighbours costs 1), at
 * most a third of the name's length (at least 1); ties go to the smaller name.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const best = closestMatch(name, candidates);
  return best === undefined ? '' : ` (did you mean '${best}'?)`;
}

export function closestMatch(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const d = candidate.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, candidate);
    if (d > limit || d >= Math.max(name.length, candidate.length)) continue;
    if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Up to `max` names a user may have meant, closest first: within the typo distance of
 * `closestMatch` (at least 2), or containing what was typed (`deploy` → `deploy-pipeline`).
 */
export function nearNames(name: string, candidates: Iterable<string>, max = 3): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(2, Math.floor(name.length / 3));
  return [...candidates]
    .filter((c) => c !== name)
    .map((c) => ({ c, d: editDistance(lower, c.toLowerCase()) }))
    .filter(({ c, d }) => d <= limit || c.toLowerCase().includes(lower))
    .sort((x, y) => x.d - y.d || (x.c < y.c ? -1 : 1))
    .slice(0, max)
    .map(({ c }) => c);
}

function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}
