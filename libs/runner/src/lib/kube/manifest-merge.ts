/**
 * An action's `manifest:` (reference §2.5: "object, deep-merged into pod spec") is shaped like a
 * pod — `{ metadata?, spec? }` — and merged into the whole generated pod, as upstream does:
 * objects merge key by key; lists whose items all carry a `name` (containers, initContainers,
 * volumes, env, volumeMounts…) merge item by item on that name, new names appended, so
 * `spec.containers: [{ name: step, resources: … }]` augments the step container; every other
 * list (tolerations, args…) and scalar replaces. Before merging, the privilege blocklist
 * refuses what would escape the pod's sandbox or take over what the runner owns.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { JsonObject, JsonValue } from '@stroem/workflow';
import { JOB_ID_LABEL, MANAGED_BY_LABEL, STEP_CONTAINER, WORKER_LABEL } from './pod-spec';

/** A manifest the runner refuses; the step fails with its message, no pod is created. */
export class ManifestError extends Error {}

export function mergeManifest(pod: V1Pod, manifest: JsonObject | undefined): V1Pod {
  if (manifest === undefined) return pod;
  checkManifest(manifest);
  const base = JSON.parse(JSON.stringify(pod)) as JsonObject;
  return mergeValue(base, manifest) as V1Pod;
}

function refuse(path: string): never {
  throw new ManifestError(`manifest: '${path}' is not allowed`);
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(parent: JsonObject, key: string, path: string): JsonObject | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new ManifestError(`manifest: '${path}' must be an object`);
  return value;
}

/** Refused whatever its value, unless it is `false` (which only restates the default). */
function refuseUnlessFalse(parent: JsonObject, key: string, path: string): void {
  const value = parent[key];
  if (value !== undefined && value !== null && value !== false) refuse(path);
}

export function checkManifest(manifest: JsonObject): void {
  const metadata = objectAt(manifest, 'metadata', 'metadata');
  if (metadata) {
    for (const key of ['name', 'generateName', 'namespace']) {
      if (metadata[key] !== undefined) refuse(`metadata.${key}`);
    }
    const labels = objectAt(metadata, 'labels', 'metadata.labels');
    for (const key of [MANAGED_BY_LABEL, WORKER_LABEL, JOB_ID_LABEL]) {
      if (labels?.[key] !== undefined) refuse(`metadata.labels.${key}`);
    }
  }
  const spec = objectAt(manifest, 'spec', 'spec');
  if (!spec) return;
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC'])
    refuseUnlessFalse(spec, key, `spec.${key}`);

  const volumes = spec['volumes'];
  if (Array.isArray(volumes)) {
    for (const [i, volume] of volumes.entries()) {
      if (isObject(volume) && volume['hostPath'] !== undefined) {
        refuse(`spec.volumes[${typeof volume['name'] === 'string' ? volume['name'] : i}].hostPath`);
      }
    }
  }

  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    const containers = spec[list];
    if (containers === undefined) continue;
    if (!Array.isArray(containers))
      throw new ManifestError(`manifest: 'spec.${list}' must be a list`);
    for (const [i, container] of containers.entries()) {
      const name = isObject(container) ? container['name'] : undefined;
      if (!isObject(container) || typeof name !== 'string' || name === '') {
        throw new ManifestError(
          `manifest: 'spec.${list}[${i}]' needs a name (containers merge by name; use '${STEP_CONTAINER}' for the step)`,
        );
      }
      const path = `spec.${list}[${name}]`;
      if (list === 'containers' && name === STEP_CONTAINER) {
        for (const key of ['image', 'command', 'args']) {
          if (container[key] !== undefined) refuse(`${path}.${key}`);
        }
      }
      const security = objectAt(container, 'securityContext', `${path}.securityContext`);
      if (!security) continue;
      refuseUnlessFalse(security, 'privileged', `${path}.securityContext.privileged`);
      refuseUnlessFalse(
        security,
        'allowPrivilegeEscalation',
        `${path}.securityContext.allowPrivilegeEscalation`,
      );
      const capabilities = objectAt(
        security,
        'capabilities',
        `${path}.securityContext.capabilities`,
      );
      const added = capabilities?.['add'];
      if (added !== undefined && !(Array.isArray(added) && added.length === 0)) {
        refuse(`${path}.securityContext.capabilities.add`);
      }
    }
  }
}

function isNamedList(list: JsonValue[]): boolean {
  return list.every((item) => isObject(item) && typeof item['name'] === 'string');
}

function mergeValue(base: JsonValue | undefined, override: JsonValue): JsonValue {
  if (isObject(base) && isObject(override)) {
    const merged: JsonObject = { ...base };
    for (const [key, value] of Object.entries(override)) merged[key] = mergeValue(base[key], value);
    return merged;
  }
  if (
    Array.isArray(base) &&
    Array.isArray(override) &&
    isNamedList(base) &&
    isNamedList(override)
  ) {
    const merged = [...base];
    for (const item of override as JsonObject[]) {
      const at = merged.findIndex((b) => (b as JsonObject)['name'] === item['name']);
      if (at === -1) merged.push(item);
      else merged[at] = mergeValue(merged[at], item);
    }
    return merged;
  }
  return override;
}
