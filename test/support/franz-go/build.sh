#!/usr/bin/env bash
# Builds franz-client, a small test program on franz-go's kgo client (franz-client/main.go),
# from the Go module proxy into
#   ${FIREHOSE_TEST_CACHE:-$HOME/.cache/firehose-test}/franz-go-<franz-go version>/bin/franz-client
# and prints that directory. The binary is rebuilt only when its wrapper module
# (franz-client/ beside this script: go.mod, go.sum, main.go) changed since it was built.
# The version lives in franz-client/go.mod alone. See README.md beside this script.
#
#   bash test/support/franz-go/build.sh        # build it if missing or stale
#   FIREHOSE_FRANZ_REBUILD=1 bash ...           # rebuild it
#
# Compiles at the lowest CPU priority (nice 19), as ../go-build.sh does for every
# harness binary; GOFLAGS from the environment is respected (e.g. GOFLAGS=-p=1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../go-build.sh
source "$here/../go-build.sh"

dir="$here/franz-client"
version=$(mod_version "$dir" github.com/twmb/franz-go)   # v1.22.3
cache=${FIREHOSE_TEST_CACHE:-$HOME/.cache/firehose-test}
bin="$cache/franz-go-${version#v}/bin"
mkdir -p "$bin"

go_build "$bin" franz-client "$dir" . "" "${FIREHOSE_FRANZ_REBUILD:-}"

echo "$bin"
