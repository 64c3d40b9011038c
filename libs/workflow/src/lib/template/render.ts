/**
 * The one template renderer of Strøm: Tera 1.x semantics (upstream renders with Tera) on top of
 * nunjucks. See tera-compiler.ts for how the two differ and how the gap is closed.
 */
import nunjucks from 'nunjucks';

import type { JsonValue } from '../model/workflow.model';
import { compileTera } from './tera-compiler';
import type { CompiledTemplate } from './tera-compiler';
import { teraRuntime } from './tera-runtime';
import { TeraRuntimeError, isObject } from './tera-values';

/** A template that failed to parse or render. `reason` is the bare cause, `line` 1-based. */
export class TemplateError extends Error {
  constructor(
    readonly reason: string,
    readonly line?: number,
    readonly where?: string,
    readonly syntax = false,
  ) {
    super(
      `template ${syntax ? 'syntax ' : ''}error${where ? ` in ${where}` : ''}` +
        `${line !== undefined ? ` at line ${line}` : ''}: ${reason}`,
    );
    this.name = 'TemplateError';
  }

  /** The same error, saying which input or field the template belonged to. */
  in(where: string): TemplateError {
    return new TemplateError(this.reason, this.line, where, this.syntax);
  }
}

// A private Environment; compiled templates reach Tera's helpers through `env.tera`. `dev` keeps
// the failing line and the original error on what nunjucks throws.
const environment = new nunjucks.Environment([], { autoescape: false, dev: true });
Object.assign(environment, { tera: teraRuntime });

const CACHE_LIMIT = 500;
const compiled = new Map<string, CompiledTemplate>();

function compileCached(template: string): CompiledTemplate {
  let code = compiled.get(template);
  if (!code) {
    code = compileTera(template);
    if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value as string);
    compiled.set(template, code);
  }
  return code;
}

function toTemplateError(error: unknown, template: string, syntax: boolean): TemplateError {
  if (error instanceof TemplateError) return error;
  const err = error as { cause?: unknown; lineno?: unknown; message?: unknown };
  const cause = err.cause instanceof Error ? err.cause : undefined;
  const reason = String(cause?.message ?? err.message ?? error).replace(
    /^\(.*?\)( \[Line \d+(, Column \d+)?\])?\s*/,
    '',
  );
  // Syntax errors carry 1-based lines; runtime ones the generated code's 0-based `lineno`.
  const rawLine = typeof err.lineno === 'number' ? err.lineno + (syntax ? 0 : 1) : undefined;
  // A line number on a one-line template says nothing.
  const line = template.includes('\n') ? rawLine : undefined;
  if (!syntax && cause && !(cause instanceof TeraRuntimeError)) {
    return new TemplateError(`internal error: ${cause.message}`, line);
  }
  return new TemplateError(reason, line, undefined, syntax);
}

function compileOrThrow(template: string): CompiledTemplate {
  try {
    return compileCached(template);
  } catch (e) {
    throw toTemplateError(e, template, true);
  }
}

/** Renders `template` against `context` as Tera would (no autoescape; undefined is an error). */
export function renderTemplate(template: string, context: Record<string, unknown>): string {
  const code = compileOrThrow(template);
  try {
    const tmpl = new nunjucks.Template(
      { type: 'code', obj: code } as unknown as string,
      environment,
      'template',
    );
    return tmpl.render(context);
  } catch (e) {
    throw toTemplateError(e, template, false);
  }
}

/** A parse error message for `template`, or undefined when it parses. Variables are not checked. */
export function checkTemplateSyntax(template: string): string | undefined {
  try {
    compileOrThrow(template);
    return undefined;
  } catch (e) {
    return e instanceof TemplateError ? e.message : String(e);
  }
}

// Upstream `extract_simple_variable_path`: `{{ a.b.c }}`, alphanumerics, `.` and `_` only.
const SIMPLE_PATH = /^\{\{\s*([\p{L}\p{N}._]+)\s*\}\}$/u;

function resolvePath(context: Record<string, unknown>, path: string): unknown {
  let current: unknown = context;
  for (const part of path.split('.')) {
    if (!isObject(current) || !Object.prototype.hasOwnProperty.call(current, part))
      return undefined;
    current = current[part];
  }
  return current;
}

/**
 * Renders each string value of a step's `input` map; other values pass through. A value that is
 * exactly `{{ path.to.x }}` naming an object or array passes that value through as JSON
 * (upstream `render_input_map`), so connections and lists reach the action intact.
 */
export function renderInputMap(
  input: Record<string, JsonValue>,
  context: Record<string, unknown>,
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(input)) {
    if (typeof value !== 'string') {
      out[key] = value;
      continue;
    }
    const path = SIMPLE_PATH.exec(value.trim())?.[1];
    const resolved = path === undefined ? undefined : resolvePath(context, path);
    if (Array.isArray(resolved) || isObject(resolved)) {
      out[key] = structuredClone(resolved) as JsonValue;
      continue;
    }
    try {
      out[key] = renderTemplate(value, context);
    } catch (e) {
      throw e instanceof TemplateError ? e.in(`input '${key}'`) : e;
    }
  }
  return out;
}
