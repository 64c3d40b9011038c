import type { TriggerDef } from '@stroem/workflow';
import { nextRunLines } from './next-runs';

const scheduler = (cron: string, extra: Partial<TriggerDef> = {}): TriggerDef =>
  ({
    type: 'scheduler',
    cron,
    task: 't',
    input: {},
    enabled: true,
    concurrency: 'allow',
    force_refresh: false,
    ...extra,
  }) as TriggerDef;

describe('nextRunLines', () => {
  it('shows the next 3 runs of enabled scheduler triggers in their zone and in UTC', () => {
    const lines = nextRunLines(
      {
        nightly: scheduler('0 30 2 * * *', { timezone: 'Europe/Copenhagen' }),
        hourly: scheduler('0 * * * *'),
        off: scheduler('* * * * *', { enabled: false }),
        hook: { type: 'webhook', name: 'h', task: 't' } as TriggerDef,
      },
      new Date('2027-03-27T12:00:00Z'),
    );
    expect(lines).toEqual([
      'Next runs (next 3):',
      '  hourly (UTC)',
      '    2027-03-27T13:00:00+00:00  =  2027-03-27T13:00:00Z',
      '    2027-03-27T14:00:00+00:00  =  2027-03-27T14:00:00Z',
      '    2027-03-27T15:00:00+00:00  =  2027-03-27T15:00:00Z',
      '  nightly (Europe/Copenhagen)',
      '    2027-03-28T03:00:00+02:00  =  2027-03-28T01:00:00Z',
      '    2027-03-29T02:30:00+02:00  =  2027-03-29T00:30:00Z',
      '    2027-03-30T02:30:00+02:00  =  2027-03-30T00:30:00Z',
    ]);
  });

  it('is empty without enabled scheduler triggers', () => {
    expect(nextRunLines({ off: scheduler('* * * * *', { enabled: false }) }, new Date())).toEqual(
      [],
    );
  });
});
