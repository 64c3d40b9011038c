import { checkCronExpression, isIanaTimezone } from './cron-expression';

describe('checkCronExpression', () => {
  it.each([
    '* * * * *',
    '0 0 * * * *',
    '0 30 23 * * FRI 2025-2026',
    '0 0 L * *',
    '0 0 * * 5L',
    '0 0 * * 1#2',
    '0 0 15W * *',
    '0 0 ? * MON-FRI',
    '0 0 * JAN,JUL SUN',
    '0 0 * * 7',
    '@daily',
    '@hourly',
    '5/15 * * * *',
  ])('accepts %s like upstream croner', (expr) => {
    expect(checkCronExpression(expr)).toBeUndefined();
  });

  it.each([
    ['61 * * * *', 'Invalid value for minute: 61'],
    ['0 24 * * *', 'Invalid value for hour: 24'],
    ['0 0 32 * *', 'Invalid value for day'],
    ['0 0 * 13 *', 'Invalid value for month'],
    ['0 0 * * 8', 'Invalid value for dayOfWeek: 8'],
    ['60 * * * * *', 'Invalid value for second: 60'],
    ['* * * *', 'found 4'],
    ['0 0 0 * * * * *', 'found 8'],
    ['? * * * *', "'?' is only allowed in the day-of-month and day-of-week fields"],
    ['not a cron', 'found 3'],
    ['', 'the expression is empty'],
  ])('rejects %s', (expr, problem) => {
    expect(checkCronExpression(expr)).toContain(problem);
  });
});

describe('isIanaTimezone', () => {
  it.each(['UTC', 'Europe/Copenhagen', 'America/New_York', 'US/Eastern', 'Etc/GMT+1', 'EST'])(
    'accepts %s',
    (tz) => expect(isIanaTimezone(tz)).toBe(true),
  );

  it.each(['Mars/Base', 'europe/copenhagen', 'utc', '+01:00', ''])('rejects %s', (tz) =>
    expect(isIanaTimezone(tz)).toBe(false),
  );
});
