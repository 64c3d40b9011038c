/**
 * The config-driven ACL (reference §3.0, §3.1) on every task, job, log and worker route: four
 * callers (admin, a runner of `ops/*` in `default`, a viewer of everything, a user no rule
 * matches) against two workspaces, with jobs in known states.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import type { AclConfig, AuthConfig, ServerConfig } from '../config/server-config';
import { Driver, login, startTestServer, type TestServer } from '../../testing/test-server';

const DEFAULT_WS = `
actions:
  ok: { type: script, script: "true" }
  gate: { type: approval, message: "Ship it?" }
  notify: { type: script, script: "echo hook" }
tasks:
  deploy:
    folder: ops
    flow:
      build: { action: ok }
      approve: { action: gate, depends_on: [build] }
    on_error:
      - action: notify
        input: {}
  daily:
    folder: reports
    flow:
      run: { action: ok }
triggers:
  nightly-deploy: { type: scheduler, cron: "0 0 3 * * *", task: deploy, enabled: true }
  morning-report: { type: scheduler, cron: "0 0 7 * * *", task: daily, enabled: true }
`;

const SECOND_WS = `
actions:
  ok: { type: script, script: "true" }
tasks:
  migrate:
    folder: ops
    flow:
      a: { action: ok }
`;

const AUTH: AuthConfig = {
  jwt_secret: 'j'.repeat(40),
  refresh_secret: 'r'.repeat(40),
  access_token_ttl_secs: 900,
  refresh_token_ttl_secs: 2592000,
  providers: {},
  initial_user: { email: 'admin@example.com', password: 'admin-password' },
  rate_limits: { login_per_min: 1000, refresh_per_min: 1000, api_keys_per_min: 1000 },
};

const ACL: AclConfig = {
  default: 'deny',
  rules: [
    { workspace: 'default', tasks: ['ops/*'], action: 'run', groups: ['operators'], users: [] },
    { workspace: '*', tasks: ['*'], action: 'view', groups: ['viewers'], users: [] },
  ],
};

type Caller = 'admin' | 'runner' | 'viewer' | 'denied';
const CALLERS: Caller[] = ['admin', 'runner', 'viewer', 'denied'];
const EMAILS: Record<Caller, string> = {
  admin: 'admin@example.com',
  runner: 'run@example.com',
  viewer: 'view@example.com',
  denied: 'nobody@example.com',
};

/** Two folder workspaces in a temp dir of their own; `startTestServer` writes no files. */
async function startServer(
  patch: Partial<ServerConfig>,
): Promise<{ server: TestServer; root: string }> {
  const root = mkdtempSync(path.join(tmpdir(), 'stroem-acl-'));
  const workspaces: ServerConfig['workspaces'] = {};
  for (const [name, yaml] of [
    ['default', DEFAULT_WS],
    ['second', SECOND_WS],
  ]) {
    mkdirSync(path.join(root, name, '.workflows'), { recursive: true });
    writeFileSync(path.join(root, name, '.workflows', 'w.yaml'), yaml);
    workspaces[name] = { type: 'folder', path: path.join(root, name), poll_interval_secs: 3600 };
  }
  return { server: await startTestServer({}, { workspaces, ...patch }), root };
}

let server: TestServer;
let root: string;
const tokens = {} as Record<Caller, string>;
/** Jobs in known states, created before the matrix runs. */
const jobs = {} as {
  /** `default/deploy` started by the runner: `build` done, `approve` suspended. */
  deploy: string;
  /** `default/deploy` that failed at `build`; it fired the hook job below. */
  failedDeploy: string;
  /** `_hook:notify`, fired by `failedDeploy`. */
  hook: string;
  /** `default/daily`, pending. */
  daily: string;
  /** `second/migrate`, pending. */
  migrate: string;
};
const d = () => new Driver(server);

function as(caller: Caller | undefined) {
  const auth = caller ? { Authorization: `Bearer ${tokens[caller]}` } : {};
  return {
    get: (url: string) => request(server.http).get(url).set(auth),
    post: (url: string, body: object = {}) => request(server.http).post(url).set(auth).send(body),
  };
}

async function execute(caller: Caller, ws: string, task: string): Promise<string> {
  const res = await as(caller).post(`/api/workspaces/${ws}/tasks/${task}/execute`).expect(200);
  return res.body.job_id as string;
}

beforeAll(async () => {
  ({ server, root } = await startServer({ auth: AUTH, acl: ACL }));
  tokens.admin = (await login(server.http, EMAILS.admin, 'admin-password')).accessToken;
  const groups: Record<Exclude<Caller, 'admin'>, string[]> = {
    runner: ['operators'],
    viewer: ['viewers'],
    denied: ['bystanders'],
  };
  for (const [caller, group] of Object.entries(groups) as [Exclude<Caller, 'admin'>, string[]][]) {
    await as('admin')
      .post('/api/users', { email: EMAILS[caller], password: 'password-123', groups: group })
      .expect(201);
    tokens[caller] = (await login(server.http, EMAILS[caller], 'password-123')).accessToken;
  }

  jobs.deploy = await execute('runner', 'default', 'deploy');
  await d().complete(jobs.deploy, 'build');
  jobs.failedDeploy = await execute('admin', 'default', 'deploy');
  await d().fail(jobs.failedDeploy, 'build');
  const hooks = await as('admin').get('/api/jobs?source_type=hook').expect(200);
  expect(hooks.body.items).toHaveLength(1);
  jobs.hook = hooks.body.items[0].job_id as string;
  expect(hooks.body.items[0]).toMatchObject({
    task_name: '_hook:notify',
    source_id: jobs.failedDeploy,
  });
  jobs.daily = await execute('admin', 'default', 'daily');
  jobs.migrate = await execute('admin', 'second', 'migrate');
});

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

type JobKey = keyof typeof jobs;
/** The jobs each caller may see; hook jobs follow the job that fired them. */
const VISIBLE_JOBS: Record<Caller, JobKey[]> = {
  admin: ['deploy', 'failedDeploy', 'hook', 'daily', 'migrate'],
  runner: ['deploy', 'failedDeploy', 'hook'],
  viewer: ['deploy', 'failedDeploy', 'hook', 'daily', 'migrate'],
  denied: [],
};
const ALL_JOBS = VISIBLE_JOBS.admin;

describe('lists are filtered to what the caller may see', () => {
  it.each(CALLERS)('GET /api/tasks and /api/workspaces/{ws}/tasks for %s', async (caller) => {
    const expected: Record<Caller, string[]> = {
      admin: ['default/daily', 'default/deploy', 'second/migrate'],
      runner: ['default/deploy'],
      viewer: ['default/daily', 'default/deploy', 'second/migrate'],
      denied: [],
    };
    const all = (await as(caller).get('/api/tasks').expect(200)).body as {
      id: string;
      workspace: string;
    }[];
    expect(all.map((t) => `${t.workspace}/${t.id}`).sort()).toEqual(expected[caller]);
    const inDefault = (await as(caller).get('/api/workspaces/default/tasks').expect(200)).body as {
      id: string;
    }[];
    expect(inDefault.map((t) => `default/${t.id}`).sort()).toEqual(
      expected[caller].filter((t) => t.startsWith('default/')),
    );
  });

  it('task items carry can_execute only when the ACL applies', async () => {
    const admin = (await as('admin').get('/api/tasks').expect(200)).body as object[];
    for (const item of admin) expect(item).not.toHaveProperty('can_execute');
    expect((await as('runner').get('/api/tasks').expect(200)).body).toEqual([
      expect.objectContaining({ id: 'deploy', folder: 'ops', can_execute: true }),
    ]);
    const viewer = (await as('viewer').get('/api/tasks').expect(200)).body as object[];
    expect(viewer).toHaveLength(3);
    for (const item of viewer) expect(item).toMatchObject({ can_execute: false });
  });

  it.each(CALLERS)('GET /api/jobs lists exactly the visible jobs for %s', async (caller) => {
    const res = await as(caller).get('/api/jobs?limit=1000').expect(200);
    const ids = (res.body.items as { job_id: string }[]).map((j) => j.job_id).sort();
    expect(ids).toEqual(VISIBLE_JOBS[caller].map((k) => jobs[k]).sort());
    expect(res.body.total).toBe(VISIBLE_JOBS[caller].length);
    const paged = await as(caller).get('/api/jobs?limit=1').expect(200);
    expect(paged.body.total).toBe(VISIBLE_JOBS[caller].length);
    expect(paged.body.items).toHaveLength(Math.min(1, VISIBLE_JOBS[caller].length));
  });

  it('GET /api/jobs keeps its own filters on top of the ACL', async () => {
    const runner = await as('runner').get('/api/jobs?workspace=default&task_name=daily');
    expect(runner.body).toEqual({ items: [], total: 0 });
    const hooks = await as('runner').get('/api/jobs?source_type=hook').expect(200);
    expect(hooks.body.total).toBe(1);
    expect((await as('denied').get('/api/jobs?search=deploy').expect(200)).body.total).toBe(0);
  });

  it.each(CALLERS)('GET /api/stats counts only the visible jobs for %s', async (caller) => {
    const listed = (await as(caller).get('/api/jobs?limit=1000').expect(200)).body.items as {
      status: string;
    }[];
    const stats = (await as(caller).get('/api/stats').expect(200)).body as Record<string, number>;
    const expected = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, skipped: 0 };
    for (const job of listed) expected[job.status as keyof typeof expected] += 1;
    expect(stats).toEqual(expected);
    const total = Object.values(stats).reduce((a, b) => a + b, 0);
    expect(total).toBe(VISIBLE_JOBS[caller].length);
  });

  it('GET /api/workspaces shows only workspaces with a visible task', async () => {
    const names = async (caller: Caller) =>
      ((await as(caller).get('/api/workspaces').expect(200)).body as { name: string }[])
        .map((w) => w.name)
        .sort();
    expect(await names('admin')).toEqual(['default', 'second']);
    expect(await names('runner')).toEqual(['default']);
    expect(await names('viewer')).toEqual(['default', 'second']);
    expect(await names('denied')).toEqual([]);
  });

  it('GET /api/workspaces counts only the tasks the caller sees', async () => {
    const counts = async (caller: Caller) =>
      Object.fromEntries(
        (
          (await as(caller).get('/api/workspaces').expect(200)).body as {
            name: string;
            tasks_count: number;
          }[]
        ).map((w) => [w.name, w.tasks_count]),
      );
    expect(await counts('admin')).toEqual({ default: 2, second: 1 });
    expect(await counts('runner')).toEqual({ default: 1 });
  });

  it('GET /api/workspaces/{ws}/triggers leaves out the triggers of hidden tasks', async () => {
    const names = async (caller: Caller) =>
      (
        (await as(caller).get('/api/workspaces/default/triggers').expect(200)).body as {
          name: string;
        }[]
      ).map((t) => t.name);
    expect(await names('admin')).toEqual(['morning-report', 'nightly-deploy']);
    expect(await names('runner')).toEqual(['nightly-deploy']);
    expect(await names('viewer')).toEqual(['morning-report', 'nightly-deploy']);
    expect(await names('denied')).toEqual([]);
  });
});

describe('a denied task or job reads as missing', () => {
  const TASKS: [string, string][] = [
    ['default', 'deploy'],
    ['default', 'daily'],
    ['second', 'migrate'],
  ];
  const TASK_STATUS: Record<Caller, Record<string, number>> = {
    admin: { 'default/deploy': 200, 'default/daily': 200, 'second/migrate': 200 },
    runner: { 'default/deploy': 200, 'default/daily': 404, 'second/migrate': 404 },
    viewer: { 'default/deploy': 200, 'default/daily': 200, 'second/migrate': 200 },
    denied: { 'default/deploy': 404, 'default/daily': 404, 'second/migrate': 404 },
  };

  it.each(CALLERS)('GET /api/workspaces/{ws}/tasks/{name} for %s', async (caller) => {
    for (const [ws, task] of TASKS) {
      const res = await as(caller).get(`/api/workspaces/${ws}/tasks/${task}`);
      expect([`${ws}/${task}`, res.status]).toEqual([
        `${ws}/${task}`,
        TASK_STATUS[caller][`${ws}/${task}`],
      ]);
      if (res.status === 404)
        expect(res.body).toEqual({ error: `Task '${task}' not found in workspace '${ws}'` });
    }
  });

  it('task detail carries can_execute only when the ACL applies', async () => {
    const detail = async (caller: Caller) =>
      (await as(caller).get('/api/workspaces/default/tasks/deploy').expect(200)).body;
    expect(await detail('admin')).not.toHaveProperty('can_execute');
    expect(await detail('runner')).toMatchObject({ id: 'deploy', can_execute: true });
    expect(await detail('viewer')).toMatchObject({ id: 'deploy', can_execute: false });
  });

  it.each(CALLERS)('GET /api/jobs/{id}, /logs and /steps/{step}/logs for %s', async (caller) => {
    const steps: Record<JobKey, string> = {
      deploy: 'build',
      failedDeploy: 'build',
      hook: 'hook',
      daily: 'run',
      migrate: 'a',
    };
    for (const key of ALL_JOBS) {
      const status = VISIBLE_JOBS[caller].includes(key) ? 200 : 404;
      const id = jobs[key];
      for (const url of [
        `/api/jobs/${id}`,
        `/api/jobs/${id}/logs`,
        `/api/jobs/${id}/steps/${steps[key]}/logs`,
      ]) {
        const res = await as(caller).get(url);
        expect([url, key, res.status]).toEqual([url, key, status]);
        if (status === 404) expect(res.body).toEqual({ error: 'Job not found' });
      }
    }
  });
});

describe('mutations need run', () => {
  it.each(CALLERS)('POST …/execute for %s: 404 denied, 403 view, 200 run', async (caller) => {
    const expected: Record<Caller, Record<string, number>> = {
      admin: { 'default/deploy': 200, 'default/daily': 200, 'second/migrate': 200 },
      runner: { 'default/deploy': 200, 'default/daily': 404, 'second/migrate': 404 },
      viewer: { 'default/deploy': 403, 'default/daily': 403, 'second/migrate': 403 },
      denied: { 'default/deploy': 404, 'default/daily': 404, 'second/migrate': 404 },
    };
    for (const [key, status] of Object.entries(expected[caller])) {
      const [ws, task] = key.split('/');
      const res = await as(caller).post(`/api/workspaces/${ws}/tasks/${task}/execute`);
      expect([key, res.status]).toEqual([key, status]);
      if (status === 403)
        expect(res.body).toEqual({ error: 'You do not have permission to run this task' });
    }
  });

  it('a user-started job is the user’s: source_type user, source_id their e-mail', async () => {
    const job = (await as('runner').get(`/api/jobs/${jobs.deploy}`).expect(200)).body;
    expect(job).toMatchObject({ source_type: 'user', source_id: EMAILS.runner });
    const rerun = await as('runner')
      .post('/api/workspaces/default/tasks/deploy/execute', { source_job_id: jobs.deploy })
      .expect(200);
    const again = (await as('runner').get(`/api/jobs/${rerun.body.job_id}`).expect(200)).body;
    expect(again).toMatchObject({ source_type: 'rerun', source_job_id: jobs.deploy });
  });

  it('POST /api/jobs/{id}/cancel: 404 denied, 403 view, 200 run, then 409', async () => {
    const deploy = await execute('admin', 'default', 'deploy');
    const daily = await execute('admin', 'default', 'daily');
    const cancel = (caller: Caller, id: string) => as(caller).post(`/api/jobs/${id}/cancel`);
    expect((await cancel('denied', deploy).expect(404)).body).toEqual({ error: 'Job not found' });
    expect((await cancel('viewer', deploy).expect(403)).body).toEqual({
      error: 'You do not have permission to run this task',
    });
    await cancel('runner', daily).expect(404);
    await cancel('viewer', daily).expect(403);
    expect((await cancel('runner', deploy).expect(200)).body).toEqual({ status: 'cancelled' });
    await cancel('admin', deploy).expect(409);
    await cancel('admin', daily).expect(200);
    await cancel('denied', daily).expect(404);
  });

  it('POST /api/jobs/{id}/steps/{step}/approve: 404 denied, 403 view, run records the user', async () => {
    const url = `/api/jobs/${jobs.deploy}/steps/approve/approve`;
    expect((await as('denied').post(url, { approved: true }).expect(404)).body).toEqual({
      error: 'Job not found',
    });
    await as('viewer').post(url, { approved: true }).expect(403);
    const daily = await execute('admin', 'default', 'daily');
    await as('runner').post(`/api/jobs/${daily}/steps/run/approve`, { approved: true }).expect(404);
    await as('runner').post(url, { approved: true }).expect(200);
    const job = (await as('runner').get(`/api/jobs/${jobs.deploy}`).expect(200)).body as {
      steps: { step_name: string; status: string; output: Record<string, unknown> }[];
    };
    const gate = job.steps.find((s) => s.step_name === 'approve');
    expect(gate).toMatchObject({
      status: 'completed',
      output: { approved: true, approved_by: EMAILS.runner },
    });
    const logs = (await as('runner').get(`/api/jobs/${jobs.deploy}/logs`).expect(200)).body.logs;
    expect(logs).toContain(`approved by ${EMAILS.runner}`);
  });

  it('a hook job takes the permission of the job that fired it', async () => {
    const hook = jobs.hook;
    await as('denied').post(`/api/jobs/${hook}/cancel`).expect(404);
    await as('viewer').post(`/api/jobs/${hook}/cancel`).expect(403);
    expect((await as('runner').post(`/api/jobs/${hook}/cancel`).expect(200)).body).toEqual({
      status: 'cancelled',
    });
  });

  it('POST /api/workspaces/{ws}/refresh: 404 where the caller sees no task', async () => {
    expect((await as('denied').post('/api/workspaces/default/refresh').expect(404)).body).toEqual({
      error: "Workspace 'default' not found",
    });
    await as('runner').post('/api/workspaces/second/refresh').expect(404);
    expect((await as('runner').post('/api/workspaces/default/refresh').expect(200)).body).toEqual(
      expect.objectContaining({ workspace: 'default', refreshed: true }),
    );
    await as('admin').post('/api/workspaces/second/refresh').expect(200);
  });
});

describe('GET /api/workers/{id}', () => {
  it('lists the steps the worker ran, filtered to the caller’s visible jobs', async () => {
    const worker = await d().registerWorker();
    const claimed: { job_id: string; step_name: string }[] = [];
    for (;;) {
      const res = await request(server.http)
        .post('/worker/jobs/claim')
        .send({ worker_id: worker, capabilities: ['script'], tags: [] })
        .expect(200);
      if (res.body.job_id === null) break;
      claimed.push({ job_id: res.body.job_id, step_name: res.body.step_name });
    }
    expect(claimed.length).toBeGreaterThan(2);
    for (const caller of CALLERS) {
      const visible = new Set(
        (
          (await as(caller).get('/api/jobs?limit=1000').expect(200)).body.items as {
            job_id: string;
          }[]
        ).map((j) => j.job_id),
      );
      const expected = claimed.filter((c) => visible.has(c.job_id));
      if (caller === 'runner') expect(expected.length).toBeLessThan(claimed.length);
      const res = await as(caller).get(`/api/workers/${worker}`).expect(200);
      expect(res.body).toMatchObject({ worker_id: worker, name: 'test-worker' });
      const steps = res.body.steps as {
        items: { job_id: string; step_name: string; status: string }[];
        total: number;
      };
      expect([caller, steps.total]).toEqual([caller, expected.length]);
      expect(steps.items.map((s) => `${s.job_id}/${s.step_name}`).sort()).toEqual(
        expected.map((c) => `${c.job_id}/${c.step_name}`).sort(),
      );
      if (caller === 'denied') expect(steps.items).toEqual([]);
    }
    await as('admin').get('/api/workers/not-a-uuid').expect(400);
    await as('admin').get('/api/workers/00000000-0000-4000-8000-000000000000').expect(404);
  });
});

describe('without auth the acl section changes nothing', () => {
  let open: TestServer;
  let openRoot: string;

  beforeAll(async () => {
    ({ server: open, root: openRoot } = await startServer({ acl: ACL }));
  });
  afterAll(async () => {
    await open.close();
    rmSync(openRoot, { recursive: true, force: true });
  });

  it('every task is listed, shown and runnable, without can_execute; jobs are the API’s', async () => {
    const tasks = (await request(open.http).get('/api/tasks').expect(200)).body as object[];
    expect(tasks).toHaveLength(3);
    for (const task of tasks) expect(task).not.toHaveProperty('can_execute');
    const detail = await request(open.http).get('/api/workspaces/default/tasks/daily').expect(200);
    expect(detail.body).not.toHaveProperty('can_execute');
    const res = await request(open.http)
      .post('/api/workspaces/second/tasks/migrate/execute')
      .expect(200);
    const job = await request(open.http).get(`/api/jobs/${res.body.job_id}`).expect(200);
    expect(job.body).toMatchObject({ source_type: 'api', source_id: null });
    expect((await request(open.http).get('/api/jobs').expect(200)).body.total).toBe(1);
    expect((await request(open.http).get('/api/stats').expect(200)).body.pending).toBe(1);
    const names = (
      (await request(open.http).get('/api/workspaces').expect(200)).body as {
        name: string;
      }[]
    ).map((w) => w.name);
    expect(names.sort()).toEqual(['default', 'second']);
  });
});
