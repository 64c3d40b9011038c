import { stepContextKey } from './step-context';

describe('stepContextKey', () => {
  it('replaces hyphens with underscores', () => {
    expect(stepContextKey('say-hello')).toBe('say_hello');
    expect(stepContextKey('a-b-c')).toBe('a_b_c');
  });

  it('keeps every other character', () => {
    expect(stepContextKey('step.1 ä')).toBe('step.1 ä');
  });
});
