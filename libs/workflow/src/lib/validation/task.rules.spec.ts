import { validateFiles } from './workspace-fixture';

const ACTIONS = `
  actions:
    run: {type: script, script: echo}
    gate: {type: approval, message: ok?}
`;

function validateTasks(main: string): Promise<string[]> {
  return validateFiles({ 'actions.yaml': ACTIONS, 'main.yaml': main });
}

describe('task and flow rules', () => {
  it('reports an unknown depends_on step with a suggestion', async () => {
    expect(
      await validateTasks(`
        tasks:
          ci:
            flow:
              test: {action: run}
              deploy: {action: run, depends_on: [tset, test, test]}
      `),
    ).toEqual([
      "error .workflows/main.yaml:5:42 tasks.ci.flow.deploy.depends_on[0]: unknown step 'tset' (did you mean 'test'?)",
      "warning .workflows/main.yaml:5:54 tasks.ci.flow.deploy.depends_on[2]: 'test' is listed twice in depends_on",
    ]);
  });

  it('reports a dependency cycle as the path that walks it', async () => {
    expect(
      await validateTasks(`
        tasks:
          ci:
            flow:
              a: {action: run, depends_on: [c]}
              b: {action: run, depends_on: [a]}
              c: {action: run, depends_on: [b]}
      `),
    ).toEqual([
      'error .workflows/main.yaml:4:37 tasks.ci.flow.a.depends_on[0]: cycle detected in workflow DAG: a → c → b → a',
    ]);
  });

  it('rejects step names with brackets and a task that runs itself', async () => {
    expect(
      await validateTasks(`
        actions:
          again: {type: task, task: ci}
        tasks:
          ci:
            flow:
              "s[0]": {action: run}
              loop: {action: again}
              inline: {type: task, task: ci}
      `),
    ).toEqual([
      "error .workflows/main.yaml:6:7 tasks.ci.flow.s[0]: step name 's[0]' must not contain '[' or ']' (reserved for for_each instances)",
      "error .workflows/main.yaml:7:22 tasks.ci.flow.loop.action: action 'again' runs task 'ci', the task this step belongs to (self-reference)",
      "error .workflows/main.yaml:8:34 tasks.ci.flow.inline.task: step runs its own task 'ci' (self-reference)",
    ]);
  });

  it('checks when and for_each template syntax but not the variables they use', async () => {
    expect(
      await validateTasks(`
        tasks:
          ci:
            flow:
              ok: {action: run, when: "{{ undefined_step.output.x == 1 }}", for_each: "{{ input.items | json_encode() }}"}
              bad-when: {action: run, when: "{{ input.x == }}"}
              bad-loop: {action: run, for_each: "{% for %}"}
      `),
    ).toEqual([
      'error .workflows/main.yaml:5:37 tasks.ci.flow.bad-when.when: invalid when expression: template syntax error: unexpected token: }}',
      'error .workflows/main.yaml:6:41 tasks.ci.flow.bad-loop.for_each: invalid for_each expression: template syntax error: unexpected token: %}',
    ]);
  });

  it('limits literal for_each lists to 10000 items and warns about sequential without for_each', async () => {
    const items = JSON.stringify(Array.from({ length: 10_001 }, (_, i) => i));
    expect(
      await validateTasks(`
        tasks:
          ci:
            flow:
              many: {action: run, for_each: ${items}}
              fine: {action: run, for_each: [1, 2], sequential: true}
              alone: {action: run, sequential: true}
      `),
    ).toEqual([
      'error .workflows/main.yaml:4:27 tasks.ci.flow.many.for_each: for_each list has 10001 items (at most 10000)',
      'warning .workflows/main.yaml:6:40 tasks.ci.flow.alone.sequential: sequential: true has no effect without for_each',
    ]);
  });

  it('caps step timeouts at 24h, task timeouts at 7 days and checks retry ranges', async () => {
    expect(
      await validateTasks(`
        tasks:
          ci:
            timeout: 169h
            retry: {max_attempts: 0}
            flow:
              long: {action: run, timeout: 25h, retry: {max_attempts: 11, delay: 2h}}
              edge: {action: run, timeout: 24h, retry: {max_attempts: 10, delay: 1h}}
              wait: {action: gate, retry: {max_attempts: 2}}
      `),
    ).toEqual([
      'error .workflows/main.yaml:3:14 tasks.ci.timeout: timeout 608400s exceeds the maximum of 604800s (7 days)',
      'error .workflows/main.yaml:4:27 tasks.ci.retry.max_attempts: retry max_attempts 0 is out of range (1..10)',
      'error .workflows/main.yaml:6:36 tasks.ci.flow.long.timeout: timeout 90000s exceeds the maximum of 86400s (24h)',
      'error .workflows/main.yaml:6:63 tasks.ci.flow.long.retry.max_attempts: retry max_attempts 11 is out of range (1..10)',
      'error .workflows/main.yaml:6:74 tasks.ci.flow.long.retry.delay: retry delay 7200s exceeds the maximum of 3600s (1h)',
      'warning .workflows/main.yaml:8:28 tasks.ci.flow.wait.retry: retry has no effect on a type: approval step (it never fails in a way a retry can fix)',
    ]);
  });

  it('rejects task names that collide once hyphens become underscores', async () => {
    expect(
      await validateTasks(`
        tasks:
          build-app: {flow: {}}
          build_app: {flow: {}}
      `),
    ).toEqual([
      "error .workflows/main.yaml:3:3 tasks.build_app: task names 'build-app' and 'build_app' are both 'build_app' once '-' becomes '_' (agent tool names would collide); rename one",
    ]);
  });
});
