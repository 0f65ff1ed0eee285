// Cluster tests: a real kube-apiserver (+ etcd + kwok, no Docker) per test file.
// Not part of `npm test` (that runs vitest.config.ts, which only picks up
// *.test.ts and starts Kafka). Run them with:
//   bash test/support/kube/build.sh                # once: builds the binaries (cached, ~10-12 min cold)
//   npx vitest run --config vitest.kube.config.ts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/cluster/**/*.kube-test.ts'],
    // No globalSetup: each file starts its own cluster (test/support/kube-cluster.ts).
    testTimeout: 60_000,
    // beforeAll may have to build the binaries first when they are not cached.
    hookTimeout: Number(process.env.FIREHOSE_KUBE_HOOK_TIMEOUT_MS ?? 45 * 60_000),
    pool: 'forks',
    fileParallelism: false,
  },
});
