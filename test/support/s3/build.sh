#!/usr/bin/env bash
# Builds the S3 server of the tests, the Versity S3 Gateway (versitygw), from the
# Go module proxy (no Docker, no release downloads) into
#   ${FIREHOSE_TEST_CACHE:-$HOME/.cache/firehose-test}/s3-<versitygw version>/bin/versitygw
# and prints that directory. The binary is rebuilt only when its wrapper module
# (versitygw/ beside this script: go.mod, go.sum) changed since it was built.
# The version lives in versitygw/go.mod alone. See README.md beside this script.
#
#   bash test/support/s3/build.sh            # build it if missing or stale
#   FIREHOSE_S3_REBUILD=1 bash ...            # rebuild it
#
# Compiles at the lowest CPU priority (nice 19) so a test run beside it keeps
# its timing; GOFLAGS from the environment is respected (e.g. GOFLAGS=-p=1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# Go is needed only to build: a machine with a current binary in the cache can do without.
GO=$(command -v go || echo /usr/local/go/bin/go)
need_go() { [[ -x "$GO" ]] || { echo "build.sh: no go toolchain found (need go >= 1.26 on PATH)" >&2; exit 1; }; }

mod_version() { # mod_version DIR MODULE -> the version DIR/go.mod requires
  local v
  v=$(grep -oE "^[[:space:]]*(require[[:space:]]+)?$2 v[^[:space:]]+" "$1/go.mod" | awk '{print $NF}' | head -n1)
  [[ -n "$v" ]] || { echo "build.sh: $1/go.mod does not require $2" >&2; exit 1; }
  echo "$v"
}

dir="$here/versitygw"
module=github.com/versity/versitygw
version=$(mod_version "$dir" "$module")   # v1.8.0
cache=${FIREHOSE_TEST_CACHE:-$HOME/.cache/firehose-test}
bin="$cache/s3-${version#v}/bin"
mkdir -p "$bin"

# The wrapper's files, hashed: the stamp beside the binary says what it was built from.
fingerprint() { (cd "$1" && cat go.mod go.sum $(ls ./*.go 2>/dev/null); uname -m) | sha256sum | cut -c1-16; }

name=versitygw
stamp="$bin/.$name.stamp"
want=$(fingerprint "$dir")
if [[ -z "${FIREHOSE_S3_REBUILD:-}" && -x "$bin/$name" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
  echo "build.sh: $name is up to date" >&2
else
  need_go
  echo "build.sh: building $name ($module/cmd/versitygw $version) ..." >&2
  start=$SECONDS tmp="$bin/.$name.tmp.$$"
  # -trimpath and no VCS stamping keep the binary independent of this checkout;
  # -mod=readonly fails loudly if go.mod/go.sum are not tidy. The -X values are
  # what upstream's Makefile stamps (`versitygw --version` prints them).
  (cd "$dir" && CGO_ENABLED=0 nice -n 19 "$GO" build -mod=readonly -trimpath -buildvcs=false \
    -ldflags "-s -w -X main.Version=$version -X main.Build=$version -X main.BuildTime=1970-01-01T00:00:00Z" \
    -o "$tmp" "$module/cmd/versitygw")
  mv -f "$tmp" "$bin/$name"   # atomic: a concurrent reader never sees half a binary
  echo "$want" > "$stamp"
  echo "build.sh: built $name in $((SECONDS - start)) s ($(du -m "$bin/$name" | cut -f1) MB)" >&2
fi

echo "$bin"
