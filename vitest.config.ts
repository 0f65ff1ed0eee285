import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts one real Kafka broker for the whole run (see test/support/kafka.ts).
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Test files share one broker and CI has 2 cores (the JVM needs one):
    // running files one at a time keeps timings and consumer-group
    // rebalances predictable.
    fileParallelism: false,
  },
});
