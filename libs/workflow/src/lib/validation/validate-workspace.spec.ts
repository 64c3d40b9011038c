import { validateFiles, validateYaml } from './workspace-fixture';

describe('validateWorkspace', () => {
  it('accepts a valid workspace without any diagnostic', async () => {
    const out = await validateYaml(`
      actions:
        greet:
          type: script
          script: echo hello
        build:
          type: docker
          image: node:20
      tasks:
        test:
          timeout: 1h
          flow:
            step1:
              action: greet
            step2:
              action: build
              depends_on: [step1]
              timeout: 10m
              retry: {max_attempts: 3, delay: 30s}
            inline:
              type: script
              script: echo inline
              depends_on: [step2]
      triggers:
        nightly:
          type: scheduler
          cron: "0 0 * * * *"
          task: test
          timezone: Europe/Copenhagen
    `);
    expect(out).toEqual([]);
  });

  it('reports all five problems of the five-error workspace with file:line:col', async () => {
    const out = await validateFiles({
      'actions.yaml': `
        actions:
          deploy:
            type: script
            script: ./deploy.sh
      `,
      'tasks/release.yaml': `
        tasks:
          release:
            flow:
              test:
                action: deploy
              publish:
                action: deplyo
                depends_on: [tset]
              a:
                action: deploy
                depends_on: [b]
                timeout: 3d
              b:
                action: deploy
                depends_on: [a]
        triggers:
          hourly:
            type: scheduler
            cron: "61 * * * *"
            task: release
      `,
    });
    expect(out).toEqual([
      `error .workflows/tasks/release.yaml:12:18 tasks.release.flow.a.timeout: invalid duration "3d": unknown duration unit 'd' in '3d' (expected h, m, or s)`,
      "error .workflows/tasks/release.yaml:7:17 tasks.release.flow.publish.action: unknown action 'deplyo' (did you mean 'deploy'?)",
      "error .workflows/tasks/release.yaml:8:22 tasks.release.flow.publish.depends_on[0]: unknown step 'tset' (did you mean 'test'?)",
      'error .workflows/tasks/release.yaml:11:22 tasks.release.flow.a.depends_on[0]: cycle detected in workflow DAG: a → b → a',
      "error .workflows/tasks/release.yaml:19:11 triggers.hourly.cron: invalid cron expression '61 * * * *': Invalid value for minute: 61",
    ]);
  });

  it('orders diagnostics by file, line and column', async () => {
    const out = await validateFiles({
      'b.yaml': `
        tasks:
          t:
            flow:
              s: {action: missing}
      `,
      'a.yaml': `
        actions:
          x: {type: nope}
      `,
    });
    expect(out.map((l) => l.split(' ')[1])).toEqual([
      '.workflows/a.yaml:2:13',
      '.workflows/b.yaml:4:19',
    ]);
  });

  describe('dotted (library / cross-workspace) references', () => {
    const workspace = `
      tasks:
        t:
          flow:
            s: {action: lib.notify}
            u: {action: other.deploy}
    `;

    it('skips them with a warning when no workspace list is given', async () => {
      expect(await validateYaml(workspace)).toEqual([
        "warning .workflows/main.yaml:4:19 tasks.t.flow.s.action: action 'lib.notify' is a library or cross-workspace reference — validation skipped",
        "warning .workflows/main.yaml:5:19 tasks.t.flow.u.action: action 'other.deploy' is a library or cross-workspace reference — validation skipped",
      ]);
    });

    it('accepts a known workspace and rejects an unknown prefix when a workspace list is given', async () => {
      expect(await validateYaml(workspace, { knownWorkspaces: ['other', 'libx'] })).toEqual([
        "error .workflows/main.yaml:4:19 tasks.t.flow.s.action: unknown action 'lib.notify': no workspace or library named 'lib' (did you mean 'libx'?)",
      ]);
    });
  });
});
