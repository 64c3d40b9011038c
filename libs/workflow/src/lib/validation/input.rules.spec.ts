import { validateYaml } from './workspace-fixture';

describe('input rules', () => {
  it('rejects input types that are neither primitive nor a connection type', async () => {
    expect(
      await validateYaml(`
        connection_types:
          postgres: {host: {type: string}}
        actions:
          a:
            type: script
            script: echo
            input:
              db: {type: postgres}
              flag: {type: bool}
              when: {type: datetme}
        tasks:
          t:
            flow: {}
            input:
              db: {type: postgre}
      `),
    ).toEqual([
      "error .workflows/main.yaml:10:20 actions.a.input.when.type: unknown input type 'datetme' (not a primitive type or a connection type) (did you mean 'datetime'?)",
      "error .workflows/main.yaml:15:18 tasks.t.input.db.type: unknown input type 'postgre' (not a primitive type or a connection type) (did you mean 'postgres'?)",
    ]);
  });

  it('rejects multiple with secret or on non-string fields', async () => {
    expect(
      await validateYaml(`
        tasks:
          t:
            flow: {}
            input:
              tags: {type: string, multiple: true, secret: true, options: [a]}
              count: {type: integer, multiple: true, options: ["1"]}
      `),
    ).toEqual([
      "error .workflows/main.yaml:5:38 tasks.t.input.tags.multiple: 'secret' and 'multiple' cannot be combined",
      "error .workflows/main.yaml:6:40 tasks.t.input.count.multiple: 'multiple' is only supported on string and text fields (type is 'integer')",
    ]);
  });

  it('warns about option problems', async () => {
    expect(
      await validateYaml(`
        tasks:
          t:
            flow: {}
            input:
              none: {type: string, options: []}
              dup: {type: string, options: [a, "", a], default: b}
              custom: {type: string, allow_custom: true}
              multi: {type: string, multiple: true}
              multi2: {type: string, multiple: true, options: [a], default: a}
              multi3: {type: string, multiple: true, options: [a], default: [a, a, z]}
      `),
    ).toEqual([
      'warning .workflows/main.yaml:5:28 tasks.t.input.none.options: options list is empty',
      'warning .workflows/main.yaml:6:40 tasks.t.input.dup.options[1]: option is an empty string',
      "warning .workflows/main.yaml:6:44 tasks.t.input.dup.options[2]: duplicate option 'a'",
      "warning .workflows/main.yaml:6:57 tasks.t.input.dup.default: default 'b' is not one of the options",
      "warning .workflows/main.yaml:7:44 tasks.t.input.custom.allow_custom: 'allow_custom' has no effect without 'options'",
      "warning .workflows/main.yaml:8:39 tasks.t.input.multi.multiple: 'multiple' needs 'options' to choose from",
      "warning .workflows/main.yaml:9:69 tasks.t.input.multi2.default: 'multiple' is set but the default is not a list",
      "warning .workflows/main.yaml:10:73 tasks.t.input.multi3.default[1]: duplicate default item 'a'",
      "warning .workflows/main.yaml:10:76 tasks.t.input.multi3.default[2]: default item 'z' is not one of the options",
    ]);
  });
});

describe('json input fields', () => {
  it('accepts json fields but not secret, multiple, options or allow_custom on them', async () => {
    expect(
      await validateYaml(`
        actions:
          gate:
            type: approval
            message: ok?
            input:
              extra: {type: json}
        tasks:
          t:
            flow: {}
            input:
              payload: {type: json, default: {a: 1}}
              bad: {type: json, secret: true, options: [a]}
      `),
    ).toEqual([
      'error .workflows/main.yaml:6:21 actions.gate.input.extra.type: approval forms do not support json fields; use string or text',
      "error .workflows/main.yaml:12:33 tasks.t.input.bad.secret: 'secret' is not supported on json fields",
      "error .workflows/main.yaml:12:39 tasks.t.input.bad.options: 'options' is not supported on json fields",
    ]);
  });
});
