import { evaluateCondition, isTruthy } from './condition';
import { TemplateError } from './render';

describe('isTruthy', () => {
  it.each(['', '   ', 'false', 'FALSE', ' False ', '0', 'null', 'NULL', 'none', 'None'])(
    '%j is false',
    (text) => {
      expect(isTruthy(text)).toBe(false);
    },
  );

  it.each(['true', '1', 'yes', '[]', '0.0', 'no', 'x'])('%j is true', (text) => {
    expect(isTruthy(text)).toBe(true);
  });
});

describe('evaluateCondition', () => {
  const context = { input: { env: 'prod', n: 0 }, build: { output: null } };

  it('renders the condition and reads the text', () => {
    expect(evaluateCondition("{{ input.env == 'prod' }}", context)).toBe(true);
    expect(evaluateCondition("{{ input.env == 'dev' }}", context)).toBe(false);
    expect(evaluateCondition('{{ input.n }}', context)).toBe(false);
    expect(evaluateCondition('{{ build.output }}', context)).toBe(false);
  });

  it('treats a condition without braces as literal, always-true text', () => {
    expect(evaluateCondition('not state', context)).toBe(true);
  });

  it('throws TemplateError when the condition cannot render', () => {
    expect(() => evaluateCondition('{{ classify.status }}', context)).toThrow(TemplateError);
  });
});
