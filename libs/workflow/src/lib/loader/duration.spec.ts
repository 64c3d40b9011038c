import { parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    [300, 300],
    ['300', 300],
    [' 5m ', 300],
    ['30s', 30],
    ['1h30m', 5400],
    ['2h15m30s', 8130],
    ['90m', 5400],
  ])('reads %p as %p seconds', (input, seconds) => {
    expect(parseDuration(input)).toEqual({ seconds });
  });

  it.each([
    [0, 'duration must be greater than 0'],
    [-5, 'duration must be greater than 0'],
    ['0h0m0s', 'duration must be greater than 0'],
    ['', 'duration string is empty'],
    ['7d', "unknown duration unit 'd' in '7d' (expected h, m, or s)"],
    ['1h2', "trailing number '2' without unit in '1h2' (expected h, m, or s)"],
    ['m5', "unexpected character 'm' without preceding number"],
    [
      1.5,
      'invalid duration 1.5: expected a positive integer (seconds) or a duration string like "5m", "1h30m"',
    ],
    [
      true,
      'invalid duration: expected a positive integer (seconds) or a duration string like "5m", "1h30m"',
    ],
  ])('rejects %p', (input, error) => {
    expect(parseDuration(input)).toEqual({ error });
  });
});
