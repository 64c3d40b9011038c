import { renderTemplate } from './render';

const FALSY = new Set(['', 'false', '0', 'null', 'none']);

/** Strøm's truthiness of a rendered `when`: empty, false, 0, null and none (any case) are false. */
export function isTruthy(rendered: string): boolean {
  return !FALSY.has(rendered.trim().toLowerCase());
}

/** Renders a `when` condition and reads the text as a boolean; render errors throw TemplateError. */
export function evaluateCondition(when: string, context: Record<string, unknown>): boolean {
  return isTruthy(renderTemplate(when, context));
}
