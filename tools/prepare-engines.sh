#!/usr/bin/env bash
# Installs what the runner tests need to start real engines (../shared/containers.md), so that
# `npm test` only has to start them: Debian's podman, runc, busybox-static, containerd, etcd, Go
# and gcc, and the Kubernetes v1.20 binaries built offline from Debian's source package (about five
# minutes, once; cached in $STROEM_K8S_CACHE, default /var/cache/stroem-k8s, outside the repo).
# Idempotent: a second run takes a second.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

containers="${STROEM_CONTAINERS_DIR:-$(cd .. && pwd)/shared/containers}"
k8s_cache="${STROEM_K8S_CACHE:-/var/cache/stroem-k8s}"
[ -x "$containers/podman-up.sh" ] || {
  echo "prepare-engines: $containers/podman-up.sh not found; set STROEM_CONTAINERS_DIR to the shared containers folder" >&2
  exit 1
}

packages=(podman runc busybox-static containerd etcd-server golang-go gcc jq curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "prepare-engines: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${missing[@]}" >/dev/null
fi

bins=(kube-apiserver kubelet kube-controller-manager kube-scheduler)
for b in "${bins[@]}"; do
  if [ ! -x "$k8s_cache/bin/$b" ]; then
    echo "prepare-engines: building Kubernetes v1.20 into $k8s_cache (once, about five minutes)"
    start=$(date +%s)
    "$containers/k8s-build.sh" "$k8s_cache" >"$k8s_cache.build.log" 2>&1 || {
      tail -40 "$k8s_cache.build.log" >&2
      exit 1
    }
    echo "prepare-engines: Kubernetes built in $(($(date +%s) - start)) s"
    break
  fi
done
echo "prepare-engines: podman $(podman --version | awk '{print $3}'), go $(go env GOVERSION), kubernetes binaries in $k8s_cache/bin"
