#!/usr/bin/env bash
# Builds kube-apiserver, etcd and kwok for the cluster tests from the Go module
# proxy (no Docker, no release downloads) into
#   ${FIREHOSE_TEST_CACHE:-$HOME/.cache/firehose-test}/kube-<k8s version>/bin
# and prints that directory. A binary is rebuilt only when its wrapper module
# (apiserver/, etcd/, kwok/ beside this script: go.mod, go.sum, main.go)
# changed since it was built. Versions live in those go.mod files alone.
#
#   bash test/support/kube/build.sh          # build what is missing
#   FIREHOSE_KUBE_REBUILD=1 bash ...          # rebuild all three
#
# Compiles at the lowest CPU priority (nice 19), as ../go-build.sh does for every
# harness binary; GOFLAGS from the environment is respected (e.g. GOFLAGS=-p=1).
# On 2 cores a cold build (empty Go caches) took 10.5 min: etcd 2.5, kwok 2.5,
# kube-apiserver 5.5; it fills ~1.3 GB of module cache and ~3.5 GB of build cache.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../go-build.sh
source "$here/../go-build.sh"

k8s_version=$(mod_version "$here/apiserver" k8s.io/kubernetes)   # v1.37.2
kwok_version=$(mod_version "$here/kwok" sigs.k8s.io/kwok)       # v0.8.0
cache=${FIREHOSE_TEST_CACHE:-$HOME/.cache/firehose-test}
root="$cache/kube-${k8s_version#v}"
bin="$root/bin"
mkdir -p "$bin"

build() { # build NAME DIR PACKAGE LDFLAGS
  go_build "$bin" "$1" "$2" "$3" "$4" "${FIREHOSE_KUBE_REBUILD:-}"
}

# kwok's own CRDs (Logs, ClusterLogs, PortForward, ...) and its default node/pod
# stages (what `kwokctl create cluster` feeds it) come from the same module
# version, so kube-cluster.ts finds them next to the binary.
kwok_assets() {
  local want dir out="$root/kwok"
  want=$(fingerprint "$here/kwok")
  [[ -z "${FIREHOSE_KUBE_REBUILD:-}" && "$(cat "$out/.stamp" 2>/dev/null)" == "$want" ]] && return
  need_go
  dir=$(cd "$here/kwok" && "$GO" list -mod=readonly -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  rm -rf "$out.tmp.$$" && mkdir -p "$out.tmp.$$/crds" "$out.tmp.$$/stages"
  cp "$dir"/kustomize/crd/bases/*.yaml "$out.tmp.$$/crds/"
  cp "$dir/kustomize/stage/node/fast/node-initialize.yaml" "$dir/kustomize/stage/node/heartbeat/node-heartbeat.yaml" \
    "$dir"/kustomize/stage/pod/fast/pod-{ready,complete,delete}.yaml "$out.tmp.$$/stages/"
  chmod -R u+w "$out.tmp.$$"   # the module cache is read-only
  echo "$want" > "$out.tmp.$$/.stamp"
  rm -rf "$out" && mv "$out.tmp.$$" "$out"
}

minor=${k8s_version#v1.}; minor=${minor%%.*}
vpkg=k8s.io/component-base/version
build etcd "$here/etcd" . ""
build kwok "$here/kwok" sigs.k8s.io/kwok/cmd/kwok \
  "-X sigs.k8s.io/kwok/pkg/consts.Version=${kwok_version#v} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${k8s_version#v}"
kwok_assets
build kube-apiserver "$here/apiserver" . \
  "-X $vpkg.gitVersion=$k8s_version -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"

echo "$bin"
