import { formatInTimezone, nextRun, nextRuns, previousRun, safeNextRuns } from './next-runs';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('nextRuns', () => {
  it('reads 6-field expressions with seconds', () => {
    const after = new Date('2026-01-01T00:00:00.400Z');
    expect(iso(nextRuns('*/1 * * * * *', { after, count: 3 }))).toEqual([
      '2026-01-01T00:00:01.000Z',
      '2026-01-01T00:00:02.000Z',
      '2026-01-01T00:00:03.000Z',
    ]);
  });

  it('reads 5-field expressions as minute-first, in UTC by default', () => {
    const after = new Date('2026-01-01T10:07:00Z');
    expect(iso(nextRuns('0 12 * * *', { after, count: 2 }))).toEqual([
      '2026-01-01T12:00:00.000Z',
      '2026-01-02T12:00:00.000Z',
    ]);
  });

  it('supports L and #', () => {
    const after = new Date('2026-02-01T00:00:00Z');
    expect(iso(nextRuns('0 0 0 L * *', { after }))).toEqual(['2026-02-28T00:00:00.000Z']);
    // The second Monday of February 2026.
    expect(iso(nextRuns('0 0 9 * * MON#2', { after }))).toEqual(['2026-02-09T09:00:00.000Z']);
  });

  it('keeps 02:30 Europe/Copenhagen sensible across the spring switch (2027-03-28)', () => {
    const after = new Date('2027-03-26T12:00:00Z');
    const runs = nextRuns('0 30 2 * * *', { timezone: 'Europe/Copenhagen', after, count: 3 });
    expect(iso(runs)).toEqual([
      '2027-03-27T01:30:00.000Z', // 02:30 CET
      '2027-03-28T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST, when the clock jumps
      '2027-03-29T00:30:00.000Z', // 02:30 CEST
    ]);
    expect(runs.map((d) => formatInTimezone(d, 'Europe/Copenhagen'))).toEqual([
      '2027-03-27T02:30:00+01:00',
      '2027-03-28T03:00:00+02:00',
      '2027-03-29T02:30:00+02:00',
    ]);
  });

  it('fires 02:30 Europe/Copenhagen once across the autumn switch (2026-10-25)', () => {
    const after = new Date('2026-10-23T12:00:00Z');
    const runs = nextRuns('0 30 2 * * *', { timezone: 'Europe/Copenhagen', after, count: 3 });
    expect(iso(runs)).toEqual([
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // the first 02:30 (CEST); the repeated one is not fired
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
  });

  it('answers the neighbouring runs, and nothing for invalid expressions', () => {
    const at = new Date('2026-05-05T05:05:05Z');
    expect(nextRun('0 * * * *', undefined, at)?.toISOString()).toBe('2026-05-05T06:00:00.000Z');
    expect(previousRun('0 * * * *', undefined, at)?.toISOString()).toBe('2026-05-05T05:00:00.000Z');
    expect(nextRun('nonsense', undefined, at)).toBeNull();
    expect(safeNextRuns('0 0 * * *', { timezone: 'Mars/Olympus' })).toEqual([]);
    expect(() => nextRuns('nonsense')).toThrow();
  });

  it('formats UTC with a +00:00 offset', () => {
    expect(formatInTimezone(new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-01T00:00:00+00:00');
  });
});
