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
# Compiles at the lowest CPU priority (nice 19) so a test run beside it keeps
# its timing; GOFLAGS from the environment is respected (e.g. GOFLAGS=-p=1).
# On 2 cores a cold build (empty Go caches) took 10.5 min: etcd 2.5, kwok 2.5,
# kube-apiserver 5.5; it fills ~1.3 GB of module cache and ~3.5 GB of build cache.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# Go is needed only to build: a machine with current binaries in the cache can do without.
GO=$(command -v go || echo /usr/local/go/bin/go)
need_go() { [[ -x "$GO" ]] || { echo "build.sh: no go toolchain found (need go >= 1.26 on PATH)" >&2; exit 1; }; }

mod_version() { # mod_version DIR MODULE -> the version DIR/go.mod requires
  local v
  v=$(grep -oE "^[[:space:]]*(require[[:space:]]+)?$2 v[^[:space:]]+" "$1/go.mod" | awk '{print $NF}' | head -n1)
  [[ -n "$v" ]] || { echo "build.sh: $1/go.mod does not require $2" >&2; exit 1; }
  echo "$v"
}

k8s_version=$(mod_version "$here/apiserver" k8s.io/kubernetes)   # v1.37.2
kwok_version=$(mod_version "$here/kwok" sigs.k8s.io/kwok)       # v0.8.0
cache=${FIREHOSE_TEST_CACHE:-$HOME/.cache/firehose-test}
root="$cache/kube-${k8s_version#v}"
bin="$root/bin"
mkdir -p "$bin"

# The wrapper's files, hashed: the stamp beside a binary says what it was built from.
fingerprint() { (cd "$1" && cat go.mod go.sum $(ls ./*.go 2>/dev/null); uname -m) | sha256sum | cut -c1-16; }

build() { # build NAME DIR PACKAGE LDFLAGS
  local name=$1 dir=$2 pkg=$3 ldflags=$4
  local stamp="$bin/.$name.stamp" want
  want=$(fingerprint "$dir")
  if [[ -z "${FIREHOSE_KUBE_REBUILD:-}" && -x "$bin/$name" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
    echo "build.sh: $name is up to date" >&2
    return
  fi
  need_go
  echo "build.sh: building $name ($pkg) ..." >&2
  local start=$SECONDS tmp="$bin/.$name.tmp.$$"
  # -trimpath and no VCS stamping keep the binary independent of this checkout;
  # -mod=readonly fails loudly if go.mod/go.sum are not tidy.
  (cd "$dir" && CGO_ENABLED=0 nice -n 19 "$GO" build -mod=readonly -trimpath -buildvcs=false \
    -ldflags "-s -w $ldflags" -o "$tmp" "$pkg")
  mv -f "$tmp" "$bin/$name"   # atomic: a concurrent reader never sees half a binary
  echo "$want" > "$stamp"
  echo "build.sh: built $name in $((SECONDS - start)) s" >&2
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
