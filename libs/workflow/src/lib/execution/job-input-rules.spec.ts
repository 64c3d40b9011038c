import type { InputFieldDef } from '../model/workflow.model';
import {
  missingRequiredInputs,
  missingRequiredMessage,
  replayRerunSentinels,
  SECRET_MASK,
} from './job-input-rules';

const schema: Record<string, InputFieldDef> = {
  password: { type: 'string', secret: true },
  db: { type: 'postgres' },
  note: { type: 'string' },
  token: { type: 'string', secret: true, default: 'dflt' },
};

describe('replayRerunSentinels', () => {
  it('replaces masked secret and connection fields with the source job’s raw values', () => {
    expect(
      replayRerunSentinels(
        schema,
        { password: SECRET_MASK, db: SECRET_MASK, note: 'new' },
        { password: 'hunter2', db: 'prod', note: 'old' },
      ),
    ).toEqual({ password: 'hunter2', db: 'prod', note: 'new' });
  });

  it('keeps a mask typed into a plain field, and new values in secret fields', () => {
    expect(
      replayRerunSentinels(schema, { note: SECRET_MASK, password: 'changed' }, { note: 'x' }),
    ).toEqual({ note: SECRET_MASK, password: 'changed' });
  });

  it('drops a masked field the source job never had, so its default applies', () => {
    expect(replayRerunSentinels(schema, { token: SECRET_MASK }, {})).toEqual({});
  });
});

describe('missingRequiredInputs', () => {
  const required: Record<string, InputFieldDef> = {
    a: { type: 'string', required: true },
    b: { type: 'integer', required: true },
    c: { type: 'string' },
    d: { type: 'boolean', required: true },
  };

  it('lists required fields that are missing, null or empty, in schema order', () => {
    expect(missingRequiredInputs(required, { a: '', b: null })).toEqual(['a', 'b', 'd']);
    expect(missingRequiredInputs(required, { a: 'x', b: 0, d: false })).toEqual([]);
  });

  it('words the error for one and for several fields', () => {
    expect(missingRequiredMessage(['a'])).toBe("missing required input 'a'");
    expect(missingRequiredMessage(['a', 'b'])).toBe("missing required inputs 'a', 'b'");
  });
});
