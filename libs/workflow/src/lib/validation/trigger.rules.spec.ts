import { validateYaml } from './workspace-fixture';

describe('trigger rules', () => {
  it('reports an unknown trigger task with a suggestion', async () => {
    expect(
      await validateYaml(`
        tasks:
          deploy: {flow: {}}
        triggers:
          nightly:
            type: scheduler
            cron: "0 3 * * *"
            task: deplyo
      `),
    ).toEqual([
      "error .workflows/main.yaml:7:11 triggers.nightly.task: unknown task 'deplyo' (did you mean 'deploy'?)",
    ]);
  });

  it('reports invalid cron expressions, unknown timezones and concurrency values', async () => {
    expect(
      await validateYaml(`
        tasks:
          t: {flow: {}}
        triggers:
          a: {type: scheduler, task: t, cron: "61 * * * *"}
          b: {type: scheduler, task: t, cron: "* * * *"}
          c: {type: scheduler, task: t, cron: "0 0 * * *", timezone: Mars/Base}
          d: {type: scheduler, task: t, cron: "0 0 * * *", concurrency: skipp}
      `),
    ).toEqual([
      "error .workflows/main.yaml:4:39 triggers.a.cron: invalid cron expression '61 * * * *': Invalid value for minute: 61",
      "error .workflows/main.yaml:5:39 triggers.b.cron: invalid cron expression '* * * *': expected 5 fields (minute hour day-of-month month day-of-week), 6 with leading seconds or 7 with a trailing year; found 4",
      "error .workflows/main.yaml:6:62 triggers.c.timezone: unknown timezone 'Mars/Base' (use an IANA name such as 'Europe/Copenhagen' or 'UTC')",
      "error .workflows/main.yaml:7:65 triggers.d.concurrency: invalid concurrency 'skipp' (expected: allow, skip, cancel_previous) (did you mean 'skip'?)",
    ]);
  });

  it('checks webhook names, modes and timeouts', async () => {
    expect(
      await validateYaml(`
        tasks:
          t: {flow: {}}
        triggers:
          a: {type: webhook, task: t, name: "git push"}
          b: {type: webhook, task: t, name: ok, mode: blocking, timeout_secs: 301}
          c: {type: webhook, task: t, name: good_name-1, mode: sync, timeout_secs: 300}
      `),
    ).toEqual([
      "error .workflows/main.yaml:4:37 triggers.a.name: invalid webhook name 'git push': only letters, digits, '-' and '_' are allowed (it is part of the URL)",
      "error .workflows/main.yaml:5:47 triggers.b.mode: invalid mode 'blocking' (expected: async, sync)",
      'error .workflows/main.yaml:5:71 triggers.b.timeout_secs: timeout_secs 301 is out of range (1..300)',
    ]);
  });

  it('checks event-source tasks, restart policy and limits', async () => {
    expect(
      await validateYaml(`
        tasks:
          consume: {flow: {}}
        triggers:
          same:
            type: event_source
            task: consume
            target_task: consume
            restart_policy: sometimes
            backoff_secs: 0
            max_in_flight: 0
          missing:
            type: event_source
            task: consume
            target_task: handle
      `),
    ).toEqual([
      "error .workflows/main.yaml:7:18 triggers.same.target_task: target_task must differ from the consumer task 'consume'",
      "error .workflows/main.yaml:8:21 triggers.same.restart_policy: invalid restart_policy 'sometimes' (expected: always, on_failure, never)",
      'error .workflows/main.yaml:9:19 triggers.same.backoff_secs: backoff_secs must be at least 1 (got 0)',
      'error .workflows/main.yaml:10:20 triggers.same.max_in_flight: max_in_flight must be at least 1 (got 0)',
      "error .workflows/main.yaml:14:18 triggers.missing.target_task: unknown task 'handle'",
    ]);
  });
});
