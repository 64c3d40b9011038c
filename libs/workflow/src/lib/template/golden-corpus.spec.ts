import { GOLDEN_CORPUS } from './golden-corpus';
import { TemplateError, renderTemplate } from './render';

describe('Tera golden corpus', () => {
  it('holds at least 100 expressions', () => {
    expect(GOLDEN_CORPUS.length).toBeGreaterThanOrEqual(100);
  });

  it.each(GOLDEN_CORPUS.map((c, i) => [i, c.template, c] as const))(
    '#%i %s renders as Tera does',
    (_i, template, golden) => {
      const context = golden.context ?? {};
      if ('expected' in golden) {
        expect(renderTemplate(template, context)).toBe(golden.expected);
      } else {
        let thrown: unknown;
        try {
          renderTemplate(template, context);
        } catch (e) {
          thrown = e;
        }
        expect(thrown).toBeInstanceOf(TemplateError);
        expect((thrown as Error).message).toMatch(golden.error);
      }
    },
  );
});
