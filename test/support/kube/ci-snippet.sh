# Block for .ci/run (paste after `npx tsx test/support/prefetch.ts`, before run_tests).
# Not run on its own: it expects .ci/run's `set -euo pipefail`, cwd = repo root
# and FIREHOSE_TEST_CACHE exported.
#
# Kubernetes binaries for the cluster tests (kube-apiserver, etcd, kwok), built
# from the Go module proxy into $FIREHOSE_TEST_CACHE/kube-<version>/bin. Cached:
# a no-op (< 1 s) once built; a cold build takes ~10-12 min on 2 cores (at nice
# 19), so keep the cache between runs.
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="$PATH:/usr/local/go/bin"
fi
kube_build_start=$SECONDS
kube_bin=$(bash test/support/kube/build.sh)
echo "Kubernetes test binaries in $kube_bin ($((SECONDS - kube_build_start)) s)"
# When the cluster tests are to run in CI too (after run_tests):
#   npx vitest run --config vitest.kube.config.ts || status=1
