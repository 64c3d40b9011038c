/**
 * Claim-time rendering (reference §2.15): the prepared action input, then the action body with
 * it — `script`, `source`, `args`, `env` through the shared renderer, plus `cmd`, `manifest`
 * strings and a templated `image` for container actions.
 */
import {
  prepareActionInput,
  renderActionBody,
  renderTemplate,
  type ActionDef,
  type JsonObject,
  type JsonValue,
  type RenderContext,
  type WorkspaceConfig,
} from '@stroem/workflow';

export interface RenderedAction {
  input: JsonObject;
  spec: JsonObject;
  image: string | null;
}

function renderStrings(value: JsonValue, context: RenderContext): JsonValue {
  if (typeof value === 'string')
    return value.includes('{{') ? renderTemplate(value, context) : value;
  if (Array.isArray(value)) return value.map((v) => renderStrings(v, context));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, renderStrings(v, context)]),
    );
  }
  return value;
}

export function renderClaimedAction(
  action: ActionDef,
  stepInput: JsonObject,
  context: RenderContext,
  jobInput: JsonObject,
  config: WorkspaceConfig,
  /** The stored input is final already (hook steps): no second rendering. */
  inputPrepared = false,
): RenderedAction {
  const input = inputPrepared
    ? stepInput
    : prepareActionInput(action, stepInput, context, jobInput, config);
  const body = renderActionBody(action, input, context, config);
  const bodyContext: RenderContext = { ...context, input, secret: config.secrets };
  const spec = JSON.parse(JSON.stringify(action)) as JsonObject;
  for (const [key, value] of Object.entries(body)) {
    if (value !== undefined) spec[key] = value as JsonValue;
  }
  if (action.cmd !== undefined) spec['cmd'] = renderTemplate(action.cmd, bodyContext);
  if (action.manifest !== undefined) spec['manifest'] = renderStrings(action.manifest, bodyContext);
  let image = action.image ?? null;
  if (image !== null && image.includes('{{')) {
    // `image` sees the body's context minus state (reference §2.15).
    const imageContext = { ...bodyContext };
    delete imageContext['state'];
    delete imageContext['global_state'];
    image = renderTemplate(image, imageContext);
  }
  if (image !== null) spec['image'] = image;
  return { input, spec, image };
}

/** `template error: …` as upstream words a claim-time render failure. */
export function templateErrorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith('template') ? message : `template error: ${message}`;
}
