/** Which actions `stroem run` can execute on this machine, and why the others cannot. */
import type { ActionDef } from '@stroem/workflow';

/** Undefined when the action runs locally; otherwise the reason it cannot. */
export function whyNotLocal(action: ActionDef): string | undefined {
  switch (action.type) {
    case 'script': {
      const runner = action.runner ?? 'local';
      if (runner === 'local') return undefined;
      return `it is a script with \`runner: ${runner}\`, which needs a worker with ${runner === 'pod' ? 'Kubernetes' : 'Docker'}; \`stroem run\` only runs \`runner: local\` scripts`;
    }
    case 'task':
    case 'approval':
      return undefined;
    case 'docker':
    case 'pod':
      return `it is a \`type: ${action.type}\` action, which needs a worker with ${action.type === 'pod' ? 'Kubernetes' : 'Docker'}; run it on a server instead`;
    case 'agent':
      return 'it is a `type: agent` action (an LLM call), which only a server-connected worker can run';
    default:
      return `its action type '${action.type}' is unknown`;
  }
}
