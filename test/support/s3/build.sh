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
# Compiles at the lowest CPU priority (nice 19), as ../go-build.sh does for every
# harness binary; GOFLAGS from the environment is respected (e.g. GOFLAGS=-p=1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../go-build.sh
source "$here/../go-build.sh"

dir="$here/versitygw"
module=github.com/versity/versitygw
version=$(mod_version "$dir" "$module")   # v1.8.0
cache=${FIREHOSE_TEST_CACHE:-$HOME/.cache/firehose-test}
bin="$cache/s3-${version#v}/bin"
mkdir -p "$bin"

# The -X values are what upstream's Makefile stamps (`versitygw --version` prints them).
go_build "$bin" versitygw "$dir" "$module/cmd/versitygw" \
  "-X main.Version=$version -X main.Build=$version -X main.BuildTime=1970-01-01T00:00:00Z" "${FIREHOSE_S3_REBUILD:-}"

echo "$bin"
