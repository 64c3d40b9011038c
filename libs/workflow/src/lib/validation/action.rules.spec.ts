import { validateYaml } from './workspace-fixture';

describe('action rules', () => {
  it('reports an invalid action type with a suggestion', async () => {
    expect(
      await validateYaml(`
        actions:
          a:
            type: scrip
            script: echo
      `),
    ).toEqual([
      "error .workflows/main.yaml:3:11 actions.a.type: invalid action type 'scrip' (expected: script, docker, pod, task, agent, approval) (did you mean 'script'?)",
    ]);
  });

  it('rejects script actions with cmd, image, entrypoint, both script and source, and empty args', async () => {
    expect(
      await validateYaml(`
        actions:
          a:
            type: script
            script: echo hi
            source: run.sh
            cmd: echo
            image: alpine
            entrypoint: [sh]
            args: ["", "ok"]
      `),
    ).toEqual([
      "error .workflows/main.yaml:5:13 actions.a.source: 'script' and 'source' are both set — use only one",
      "error .workflows/main.yaml:6:10 actions.a.cmd: 'cmd' is not valid on type: script — use 'script' (inline code) or 'source' (file path)",
      "error .workflows/main.yaml:7:12 actions.a.image: 'image' is not valid on type: script — use type: docker to run an image, or runner: docker to run the script in a container",
      "error .workflows/main.yaml:8:5 actions.a.entrypoint: 'entrypoint' is not valid on type: script (only valid on type: docker or pod)",
      'error .workflows/main.yaml:9:12 actions.a.args[0]: args entry is empty',
    ]);
  });

  it('requires script or source on a script action and rejects empty ones', async () => {
    expect(
      await validateYaml(`
        actions:
          none: {type: script}
          empty: {type: script, script: ""}
      `),
    ).toEqual([
      "error .workflows/main.yaml:2:3 actions.none: type: script action needs 'script' (inline code) or 'source' (file path)",
      "error .workflows/main.yaml:3:33 actions.empty.script: 'script' is empty",
    ]);
  });

  it('checks runner, language, interpreter, dependencies and manifest of script actions', async () => {
    expect(
      await validateYaml(`
        actions:
          a:
            type: script
            script: print(1)
            runner: dokcer
            language: pyhton
            interpreter: "python3; rm -rf /"
            dependencies: ["requests", "evil && curl x"]
            manifest: {spec: {}}
          b:
            type: script
            source: x.py
            interpreter: python3.12
            dependencies: [requests]
          c:
            type: script
            script: echo
            runner: pod
            manifest: [not, a, map]
      `),
    ).toEqual([
      "error .workflows/main.yaml:5:13 actions.a.runner: invalid runner 'dokcer' (expected: local, docker, pod) (did you mean 'docker'?)",
      "error .workflows/main.yaml:6:15 actions.a.language: invalid language 'pyhton' (expected: shell, python, javascript, js, typescript, ts, go) (did you mean 'python'?)",
      "error .workflows/main.yaml:7:18 actions.a.interpreter: invalid interpreter 'python3; rm -rf /': only letters, digits and . _ - / + are allowed",
      "error .workflows/main.yaml:8:32 actions.a.dependencies[1]: dependency 'evil && curl x' contains shell metacharacters (; & | $ ` ( ) { } \\ quotes or line breaks)",
      "error .workflows/main.yaml:9:5 actions.a.manifest: 'manifest' needs runner: pod (runner is 'dokcer')",
      "warning .workflows/main.yaml:13:18 actions.b.interpreter: 'interpreter' is set but 'language' is not",
      "warning .workflows/main.yaml:14:5 actions.b.dependencies: 'dependencies' is set but 'language' is not (dependencies need a non-shell language)",
      "error .workflows/main.yaml:19:5 actions.c.manifest: 'manifest' must be a mapping (merged into the pod spec)",
    ]);
  });

  it('requires an image on docker and pod actions and rejects script-only fields', async () => {
    expect(
      await validateYaml(`
        actions:
          d:
            type: docker
            runner: local
            script: echo
            manifest: {}
            language: python
          p:
            type: pod
            image: alpine
            source: x.sh
            args: [a]
            manifest: {spec: {nodeSelector: {gpu: "true"}}}
      `),
    ).toEqual([
      "error .workflows/main.yaml:2:3 actions.d: type: docker action is missing 'image'",
      "error .workflows/main.yaml:4:13 actions.d.runner: 'runner' is not valid on type: docker (runner is only for type: script)",
      "error .workflows/main.yaml:5:13 actions.d.script: 'script' is not valid on type: docker (script is for type: script; use 'cmd' or 'command')",
      "error .workflows/main.yaml:6:5 actions.d.manifest: 'manifest' is not valid on type: docker (manifest is only valid on pod actions)",
      "error .workflows/main.yaml:7:15 actions.d.language: 'language' is not valid on type: docker (only valid on type: script)",
      "error .workflows/main.yaml:11:13 actions.p.source: 'source' is not valid on type: pod (source is for type: script)",
      "error .workflows/main.yaml:12:5 actions.p.args: 'args' is not valid on type: pod (only valid on type: script; use cmd, command or entrypoint)",
    ]);
  });

  it('checks that a task action names an existing task', async () => {
    expect(
      await validateYaml(`
        actions:
          sub:
            type: task
            task: buidl
            image: alpine
          nothing: {type: task}
        tasks:
          build: {flow: {}}
      `),
    ).toEqual([
      "error .workflows/main.yaml:4:11 actions.sub.task: unknown task 'buidl' (did you mean 'build'?)",
      "error .workflows/main.yaml:5:12 actions.sub.image: 'image' is not valid on type: task (a task action only names another task)",
      "error .workflows/main.yaml:6:3 actions.nothing: type: task action is missing 'task' (the task to run as a sub-job)",
    ]);
  });

  it('requires a message on approval actions and rejects execution fields', async () => {
    expect(
      await validateYaml(`
        actions:
          gate:
            type: approval
            cmd: echo
            tools: [{task: x}]
          ok:
            type: approval
            message: "Deploy {{ input.version }}?"
            tools: []
      `),
    ).toEqual([
      "error .workflows/main.yaml:2:3 actions.gate: type: approval action is missing 'message' (shown to the approver)",
      "error .workflows/main.yaml:4:10 actions.gate.cmd: 'cmd' is not valid on type: approval (an approval gate runs nothing)",
      "error .workflows/main.yaml:5:5 actions.gate.tools: 'tools' is not valid on type: approval (an approval gate runs nothing)",
    ]);
  });

  it('rejects output fields of unknown types', async () => {
    expect(
      await validateYaml(`
        actions:
          a:
            type: script
            script: echo
            output:
              count: {type: integer}
              items: {type: list}
      `),
    ).toEqual([
      "error .workflows/main.yaml:7:21 actions.a.output.items.type: invalid output type 'list' (expected: string, integer, number, boolean, array, object)",
    ]);
  });

  it('only warns about an out-of-range retry on an action, which upstream does not check', async () => {
    expect(
      await validateYaml(`
        actions:
          a:
            type: script
            script: echo
            retry: {max_attempts: 20}
      `),
    ).toEqual([
      'warning .workflows/main.yaml:5:27 actions.a.retry.max_attempts: retry max_attempts 20 is out of range (1..10); steps using this action inherit it',
    ]);
  });

  it('reports problems of an inline action at its flow step', async () => {
    expect(
      await validateYaml(`
        tasks:
          t:
            flow:
              s:
                type: script
                script: echo
                image: alpine
      `),
    ).toEqual([
      "error .workflows/main.yaml:7:16 tasks.t.flow.s.image: 'image' is not valid on type: script — use type: docker to run an image, or runner: docker to run the script in a container",
    ]);
  });
});
