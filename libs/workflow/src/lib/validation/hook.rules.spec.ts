import { validateYaml } from './workspace-fixture';

describe('hook rules', () => {
  it('reports task and workspace hooks naming unknown actions', async () => {
    expect(
      await validateYaml(`
        actions:
          notify: {type: script, script: echo}
        tasks:
          t:
            flow: {}
            on_error:
              - action: notfy
        on_success:
          - action: notify
          - action: missing
      `),
    ).toEqual([
      "error .workflows/main.yaml:7:17 tasks.t.on_error[0].action: unknown action 'notfy' (did you mean 'notify'?)",
      "error .workflows/main.yaml:10:13 on_success[1].action: unknown action 'missing'",
    ]);
  });

  it('rejects a hook that runs its own task', async () => {
    expect(
      await validateYaml(`
        actions:
          rerun: {type: task, task: t}
        tasks:
          t:
            flow: {}
            on_error:
              - action: rerun
      `),
    ).toEqual([
      "error .workflows/main.yaml:7:17 tasks.t.on_error[0].action: action 'rerun' runs task 't', the task this hook belongs to (self-reference)",
    ]);
  });
});
