import pino from 'pino';
import { ServerApiError } from '../server-api/server-connection';
import type { WorkerApiClient } from '../server-api/worker-api.client';
import type { EmitEventRequest } from '../server-api/worker-protocol';
import { EventSourceEmitter, eventSourceEnv } from './event-source-emitter';

const line = (text: string, stream: 'stdout' | 'stderr' = 'stdout') => ({
  stream,
  text,
  at: new Date(),
});

function fakeClient(refuseFirst: number) {
  const sent: EmitEventRequest[] = [];
  let calls = 0;
  const client = {
    async emitEvent(body: EmitEventRequest) {
      calls++;
      if (calls <= refuseFirst) throw new ServerApiError('HTTP 429', 429, true);
      sent.push(body);
    },
  } as unknown as WorkerApiClient;
  return { client, sent, calls: () => calls };
}

describe('EventSourceEmitter', () => {
  const config = {
    target_task: 'target',
    source_id: 'ws/queue',
    input_defaults: { region: 'us', n: 0 },
    env: { TOKEN: 'abc', PORT: 8080 },
  };

  it('emits each OUTPUT object in order, over input_defaults; ignores the rest', async () => {
    const { client, sent } = fakeClient(0);
    const emitter = new EventSourceEmitter(
      config,
      'ws',
      client,
      pino({ enabled: false }),
      new AbortController().signal,
      1,
    );
    emitter.push(line('OUTPUT: {"n": 1}'));
    emitter.push(line('plain log'));
    emitter.push(line('OUTPUT: [1, 2]'));
    emitter.push(line('OUTPUT: {"n": 9}', 'stderr'));
    emitter.push(line('  OUTPUT:{"n": 2, "region": "eu"}  '));
    emitter.push(line('OUTPUT: {broken'));
    await emitter.close();
    expect(sent).toEqual([
      { workspace: 'ws', task: 'target', source_id: 'ws/queue', input: { region: 'us', n: 1 } },
      { workspace: 'ws', task: 'target', source_id: 'ws/queue', input: { region: 'eu', n: 2 } },
    ]);
  });

  it('upstream bug #5: a 429 (max_in_flight reached) is waited out and retried; no event is lost', async () => {
    const { client, sent, calls } = fakeClient(3);
    const emitter = new EventSourceEmitter(
      config,
      'ws',
      client,
      pino({ enabled: false }),
      new AbortController().signal,
      5,
    );
    for (let i = 1; i <= 3; i++) emitter.push(line(`OUTPUT: {"n": ${i}}`));
    await emitter.close();
    expect(sent.map((s) => s.input['n'])).toEqual([1, 2, 3]);
    expect(calls()).toBe(6);
  });

  it('env values become strings', () => {
    expect(eventSourceEnv(config)).toEqual({ TOKEN: 'abc', PORT: '8080' });
  });
});
