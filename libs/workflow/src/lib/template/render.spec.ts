import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { TemplateError, checkTemplateSyntax, renderInputMap, renderTemplate } from './render';
import { stepContextKey } from './step-context';

function errorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error('expected a TemplateError');
}

describe('renderTemplate errors', () => {
  it('names the undefined variable without a nunjucks trace', () => {
    const err = errorOf(() => renderTemplate('{{ buildd }}', {}));
    expect(err.message).toBe("template error: 'buildd' is undefined");
  });

  it('gives the line of the failure in a multi-line template', () => {
    const err = errorOf(() =>
      renderTemplate('echo start\necho {{ build.output.tag }}', { build: { output: {} } }),
    );
    expect(err.message).toBe("template error at line 2: 'build.output.tag' is undefined");
    expect(err.line).toBe(2);
  });

  it('reports syntax errors with their line', () => {
    const err = errorOf(() => renderTemplate('a\n\n{{ 1 +\n}}', {}));
    expect(err.syntax).toBe(true);
    expect(err.message).toMatch(/^template syntax error at line 4: /);
  });

  it('asks for named arguments when a filter is called Jinja-style', () => {
    const err = errorOf(() => renderTemplate('{{ xs | join(", ") }}', { xs: [] }));
    expect(err.message).toContain(
      'filter \'join\' takes named arguments only, e.g. join(sep=", ")',
    );
  });

  it('rejects unknown filters and functions', () => {
    expect(errorOf(() => renderTemplate('{{ x | shout }}', { x: 1 })).message).toContain(
      "unknown filter 'shout'",
    );
    expect(errorOf(() => renderTemplate('{{ shout() }}', {})).message).toContain(
      "unknown function 'shout'",
    );
  });

  it('does not reach JavaScript properties through attributes', () => {
    expect(errorOf(() => renderTemplate('{{ xs.length }}', { xs: [1] })).message).toContain(
      "'xs.length' is undefined",
    );
    expect(errorOf(() => renderTemplate('{{ o.constructor }}', { o: {} })).message).toContain(
      "'o.constructor' is undefined",
    );
  });

  it('does not autoescape HTML', () => {
    expect(renderTemplate('{{ x }}', { x: '<b>&</b>' })).toBe('<b>&</b>');
  });
});

describe('renderTemplate functions that read the process', () => {
  afterEach(() => {
    delete process.env.STROEM_TEMPLATE_TEST;
  });

  it('get_env reads the environment variable', () => {
    process.env.STROEM_TEMPLATE_TEST = 'from-env';
    expect(renderTemplate('{{ get_env(name="STROEM_TEMPLATE_TEST") }}', {})).toBe('from-env');
  });

  it('now(utc=true) is an RFC 3339 time in UTC', () => {
    expect(renderTemplate('{{ now(utc=true) }}', {})).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?\+00:00$/,
    );
  });
});

describe('the vals filter', () => {
  const originalPath = process.env.PATH;
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stroem-vals-'));
  });
  afterEach(() => {
    process.env.PATH = originalPath;
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails clearly when vals is not installed', () => {
    process.env.PATH = dir;
    const err = errorOf(() => renderTemplate('{{ s | vals }}', { s: 'ref+vault://x#k' }));
    expect(err.message).toContain('vals CLI not found');
  });

  it('resolves ref+ strings through `vals eval`', () => {
    const script = join(dir, 'vals');
    // A stand-in vals: echoes the reference back, upper-cased, in vals' JSON output shape.
    writeFileSync(
      script,
      '#!/bin/sh\n[ "$1" = eval ] || exit 3\nread -r line\nprintf \'{"_v":"RESOLVED %s"}\' "$(printf %s "$line" | sed \'s/.*"_v":"\\(.*\\)"}/\\1/\')"\n',
    );
    chmodSync(script, 0o755);
    process.env.PATH = `${dir}:${originalPath}`;
    expect(renderTemplate('{{ s | vals }}', { s: 'ref+vault://x#k' })).toBe(
      'RESOLVED ref+vault://x#k',
    );
  });
});

describe('checkTemplateSyntax', () => {
  it('accepts templates whose variables are unknown', () => {
    expect(
      checkTemplateSyntax('{{ nobody.knows | default(value=1) }} {% if x %}y{% endif %}'),
    ).toBeUndefined();
  });

  it('returns the parse error with its line', () => {
    expect(checkTemplateSyntax('ok\n{{ 1 + }}')).toMatch(
      /^template syntax error at line 2: unexpected token/,
    );
  });

  it('reports a block left open', () => {
    expect(checkTemplateSyntax('ok\n{% if x %}')).toMatch(
      /syntax error.*expected elif, else, or endif/,
    );
  });

  it('flags an unclosed expression', () => {
    expect(checkTemplateSyntax('{{ x ')).toMatch(/syntax error/);
  });
});

describe('renderInputMap', () => {
  const context = {
    input: {
      db: { host: 'db.example.com', port: 5432 },
      tags: ['web', 'backend'],
      name: 'Bob',
      count: 3,
    },
  };

  it('renders string values and passes other values through unchanged', () => {
    const out = renderInputMap(
      {
        name: '{{ input.name }}',
        greeting: 'Hello {{ input.name }}',
        count: 42,
        on: true,
        list: ['a'],
        obj: { k: 'v' },
        none: null,
      },
      context,
    );
    expect(out).toEqual({
      name: 'Bob',
      greeting: 'Hello Bob',
      count: 42,
      on: true,
      list: ['a'],
      obj: { k: 'v' },
      none: null,
    });
  });

  it('passes an object named by a bare {{ path }} through as JSON', () => {
    const out = renderInputMap({ db: '{{ input.db }}' }, context);
    expect(out.db).toEqual({ host: 'db.example.com', port: 5432 });
    expect(out.db).not.toBe(context.input.db);
  });

  it('passes an array named by a bare {{path}} (no spaces) through as JSON', () => {
    expect(renderInputMap({ tags: '{{input.tags}}' }, context).tags).toEqual(['web', 'backend']);
  });

  it('renders primitives named by a bare path as text', () => {
    expect(renderInputMap({ count: '{{ input.count }}' }, context).count).toBe('3');
  });

  it('renders as text when the template is more than a bare path', () => {
    expect(renderInputMap({ tags: 'tags: {{ input.tags }}' }, context).tags).toBe(
      'tags: [web, backend]',
    );
    expect(renderInputMap({ tags: '{{ input.tags | length }}' }, context).tags).toBe('2');
  });

  it('names the input whose template failed', () => {
    const err = errorOf(() => renderInputMap({ bad: '{{ missing.value }}' }, context));
    expect(err.message).toBe("template error in input 'bad': 'missing.value' is undefined");
  });

  it('reads a hyphenated step by its underscore key', () => {
    const ctx = { [stepContextKey('say-hello')]: { output: { greeting: 'Hello World' } } };
    expect(renderInputMap({ msg: '{{ say_hello.output.greeting }}' }, ctx).msg).toBe('Hello World');
  });
});
