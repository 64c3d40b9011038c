#!/usr/bin/env bash
# Stops the podman service and the Kubernetes cluster the runner tests started (they stay up
# between test runs so each run does not pay their start-up; this ends them).
set -uo pipefail
containers="${STROEM_CONTAINERS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/shared/containers}"
[ -x "$containers/k8s-down.sh" ] || { echo "stop-engines: $containers not found" >&2; exit 1; }
"$containers/k8s-down.sh" /var/tmp/stroem-k8s
"$containers/podman-down.sh" /var/tmp/stroem-podman
echo "stop-engines: Kubernetes and podman stopped"
