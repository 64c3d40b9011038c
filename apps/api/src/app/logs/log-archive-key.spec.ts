import { logArchiveKey } from './log-archive-key';

describe('logArchiveKey', () => {
  const job = {
    jobId: '3F2A0000-0000-4000-8000-000000000001',
    workspace: 'default',
    taskName: 'deploy',
    createdAt: new Date('2026-03-04T05:06:07.890Z'),
  };

  it('files the log under workspace, task and the UTC creation date', () => {
    expect(logArchiveKey(job)).toBe(
      'default/deploy/2026/03/04/2026-03-04T05-06-07_3f2a0000-0000-4000-8000-000000000001.jsonl.gz',
    );
  });

  it('keeps folder segments of a task name and neutralises unsafe characters', () => {
    expect(logArchiveKey({ ...job, workspace: 'a b', taskName: 'ops/../x\\y' })).toMatch(
      /^a_b\/ops\/_\/x_y\/2026\//,
    );
  });
});
