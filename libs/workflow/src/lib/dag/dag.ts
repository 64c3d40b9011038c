/**
 * The DAG of a task's flow: steps are nodes, `depends_on` entries are edges from a step to the
 * steps it waits for. Dependencies naming no step of the flow are ignored here (validation
 * reports them), and a repeated dependency counts once.
 */
export type FlowGraph = Readonly<Record<string, { readonly depends_on: readonly string[] }>>;

function knownDeps(flow: FlowGraph, step: string): string[] {
  return [...new Set(flow[step].depends_on)].filter((dep) => Object.hasOwn(flow, dep));
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every step, dependencies first (Kahn's algorithm); among steps ready at the same time the
 * smallest name comes first, so the order is stable across loads. Steps on or behind a cycle
 * cannot be ordered: they follow the others, in name order.
 */
export function topologicalOrder(flow: FlowGraph): string[] {
  const steps = Object.keys(flow);
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>(steps.map((s) => [s, []]));
  for (const step of steps) {
    const deps = knownDeps(flow, step);
    waitingOn.set(step, deps.length);
    for (const dep of deps) dependents.get(dep)?.push(step);
  }

  const ready = steps.filter((s) => waitingOn.get(s) === 0).sort(byName);
  const order: string[] = [];
  while (ready.length > 0) {
    const step = ready.shift() as string;
    order.push(step);
    for (const next of dependents.get(step) ?? []) {
      const left = (waitingOn.get(next) ?? 0) - 1;
      waitingOn.set(next, left);
      if (left === 0) insertSorted(ready, next);
    }
  }

  if (order.length < steps.length) {
    const placed = new Set(order);
    order.push(...steps.filter((s) => !placed.has(s)).sort(byName));
  }
  return order;
}

function insertSorted(sorted: string[], value: string): void {
  let i = 0;
  while (i < sorted.length && byName(sorted[i], value) < 0) i++;
  sorted.splice(i, 0, value);
}

/**
 * A dependency cycle as the path that walks it, first step repeated at the end:
 * `['a', 'b', 'c', 'a']` means a depends on b, b on c, c on a. Undefined for an acyclic flow.
 * The search starts from steps in name order, so the same flow always yields the same cycle.
 */
export function findCycle(flow: FlowGraph): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];

  const visit = (step: string): string[] | undefined => {
    state.set(step, 'visiting');
    path.push(step);
    for (const dep of knownDeps(flow, step)) {
      const seen = state.get(dep);
      if (seen === 'visiting') return [...path.slice(path.indexOf(dep)), dep];
      if (seen === undefined) {
        const cycle = visit(dep);
        if (cycle) return cycle;
      }
    }
    path.pop();
    state.set(step, 'done');
    return undefined;
  };

  for (const step of Object.keys(flow).sort(byName)) {
    if (state.has(step)) continue;
    const cycle = visit(step);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The steps no other step depends on (the DAG's leaves), in name order. */
export function terminalSteps(flow: FlowGraph): string[] {
  const dependedOn = new Set<string>();
  for (const step of Object.keys(flow)) {
    for (const dep of flow[step].depends_on) dependedOn.add(dep);
  }
  return Object.keys(flow)
    .filter((s) => !dependedOn.has(s))
    .sort(byName);
}
