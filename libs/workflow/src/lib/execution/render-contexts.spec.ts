import type { ActionDef, WorkspaceConfig } from '../model/workflow.model';
import { emptyWorkspaceConfig } from '../model/workflow.model';
import type { StepView } from './render-contexts';
import {
  claimContext,
  conditionContext,
  prepareActionInput,
  prepareJobInput,
  renderActionBody,
} from './render-contexts';

function config(patch: Partial<WorkspaceConfig> = {}): WorkspaceConfig {
  return { ...emptyWorkspaceConfig(), ...patch };
}

const STEPS = new Map<string, StepView>([
  ['say-hello', { status: 'completed', output: { greeting: 'Hello Ada' } }],
  ['maybe', { status: 'skipped' }],
  ['broken', { status: 'failed', error: 'Exit code: 1' }],
  ['later', { status: 'pending' }],
]);

describe('render contexts (reference §2.15)', () => {
  it('fills job input defaults, rendering string defaults with the secrets', () => {
    const ws = config({ secrets: { REGION: 'eu-north-1' } });
    const input = prepareJobInput(
      {
        name: { type: 'string', default: 'World' },
        region: { type: 'string', default: '{{ secret.REGION }}' },
        payload: { type: 'json' },
      },
      { name: 'Ada', payload: 'kept as given' },
      ws,
    );
    expect(input).toEqual({ name: 'Ada', region: 'eu-north-1', payload: 'kept as given' });
  });

  it('replaces a connection name with the connection values, and names a missing one', () => {
    const ws = config({
      connections: { prod: { type: 'postgres', values: { host: 'db', port: 5432 } } },
    });
    const schema = { db: { type: 'postgres' } };
    expect(prepareJobInput(schema, { db: 'prod' }, ws)).toEqual({
      db: { host: 'db', port: 5432 },
    });
    expect(() => prepareJobInput(schema, { db: 'staging' }, ws)).toThrow(
      "input 'db': connection 'staging' not found",
    );
  });

  it('shows when/for_each completed, skipped and failed steps, with hyphens as underscores', () => {
    const context = conditionContext({ env: 'prod' }, STEPS, config());
    expect(context).toEqual({
      input: { env: 'prod' },
      say_hello: { output: { greeting: 'Hello Ada' } },
      maybe: { output: null },
      broken: { output: null, error: 'Exit code: 1' },
    });
  });

  it('shows a claimed step only completed steps, plus secrets and the loop item', () => {
    const ws = config({ secrets: { TOKEN: 't0k3n' } });
    const context = claimContext({}, STEPS, ws, { item: 'a', index: 0, total: 2 });
    expect(context).toEqual({
      input: {},
      secret: { TOKEN: 't0k3n' },
      say_hello: { output: { greeting: 'Hello Ada' } },
      each: { item: 'a', index: 0, total: 2 },
    });
  });

  it('prepares action input: rendered step input, leaked job input, then action defaults', () => {
    const action: ActionDef = {
      type: 'script',
      script: 'echo',
      tags: [],
      input: {
        greeting: { type: 'string' },
        name: { type: 'string' },
        punctuation: { type: 'string', default: '!' },
      },
    };
    const context = claimContext({ name: 'Ada' }, STEPS, config(), undefined);
    const prepared = prepareActionInput(
      action,
      { greeting: '{{ say_hello.output.greeting | upper }}' },
      context,
      { name: 'Ada', unrelated: 'not leaked' },
      config(),
    );
    expect(prepared).toEqual({ greeting: 'HELLO ADA', name: 'Ada', punctuation: '!' });
  });

  it('renders the action body with the prepared input and always a secret map', () => {
    const action: ActionDef = {
      type: 'script',
      tags: [],
      input: {},
      script: 'echo "{{ input.who }}" {{ secret | length }}',
      args: ['--to={{ input.who }}'],
      env: { WHO: '{{ input.who }}' },
    };
    const body = renderActionBody(action, { who: 'Ada' }, { input: {} }, config());
    expect(body).toMatchObject({
      script: 'echo "Ada" 0',
      args: ['--to=Ada'],
      env: { WHO: 'Ada' },
    });
  });
});
