import { JobEntity, JobStepEntity } from '@stroem/db';
import { emptyWorkspaceConfig, type WorkspaceConfig } from '@stroem/workflow';
import { jobRedactor, REDACTED, SecretRedactor } from './secret-redaction';

describe('SecretRedactor', () => {
  const r = new SecretRedactor(['s3cr3t-value', 'abc']);

  it('masks long secrets inside strings, at any depth', () => {
    expect(r.redact({ a: ['token=s3cr3t-value;'], b: { c: 's3cr3t-value' } })).toEqual({
      a: [`token=${REDACTED};`],
      b: { c: REDACTED },
    });
  });

  it('masks short secrets only as whole values, and ref+ references', () => {
    expect(r.redact(['abc', 'abcdef', 'ref+vault://x', 3])).toEqual([
      REDACTED,
      'abcdef',
      REDACTED,
      3,
    ]);
  });

  it('masks named input fields whole, whatever their type', () => {
    expect(r.redactInput({ pin: 1234, user: 'ada' }, ['pin'])).toEqual({
      pin: REDACTED,
      user: 'ada',
    });
  });

  it('masks secrets in the text of each log line and keeps the JSONL shape', () => {
    const log = [
      JSON.stringify({ ts: 't', stream: 'stdout', step: 'a', line: 'key s3cr3t-value' }),
      JSON.stringify({ ts: 't', stream: 'stdout', step: 'a', line: 'abc' }),
      JSON.stringify({ ts: 't', stream: 'stdout', step: 'a', line: 'plain' }),
      '',
    ].join('\n');
    const lines = r
      .redactLog(log)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).line);
    expect(lines).toEqual([`key ${REDACTED}`, REDACTED, 'plain']);
  });
});

describe('jobRedactor', () => {
  const config: WorkspaceConfig = {
    ...emptyWorkspaceConfig(),
    secrets: { token: 'ws-secret-1' },
    connection_types: {
      postgres: {
        host: { type: 'string', required: true, secret: false },
        password: { type: 'string', required: true, secret: true },
      },
    },
    connections: { prod: { type: 'postgres', values: { host: 'db.local', password: 'pw' } } },
    tasks: {
      deploy: {
        mode: 'distributed',
        input: { password: { type: 'string', secret: true }, user: { type: 'string' } },
        flow: {},
        on_success: [],
        on_error: [],
        on_suspended: [],
        on_cancel: [],
      },
    },
  };

  it('collects workspace secrets, secret connection properties and user-typed secrets', () => {
    const job = Object.assign(new JobEntity(), {
      taskName: 'deploy',
      input: { password: 'typed-pass', user: 'ada' },
      rawInput: { password: 'typed-pass', user: 'ada' },
    });
    const step = Object.assign(new JobStepEntity(), {
      stepName: 'login',
      actionSpec: { input: { otp: { type: 'string', secret: true } } },
      input: { otp: '42' },
    });
    const { redactor, fields } = jobRedactor(job, [step], config);
    expect(fields.job).toEqual(['password']);
    expect(fields.steps.get('login')).toEqual(['otp']);
    expect(
      redactor.redact(['ws-secret-1', 'pw', 'using typed-pass', '42', 'db.local', 'ada']),
    ).toEqual([REDACTED, REDACTED, `using ${REDACTED}`, REDACTED, 'db.local', 'ada']);
  });
});
