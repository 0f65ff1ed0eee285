// The main suite against firehose's embedded broker instead of Apache Kafka
// (`npm run test:embedded`). Same tests, except the ones that need listeners
// the embedded broker does not have (TLS and SASL are Apache Kafka only) and
// the smoke test of the Apache Kafka harness itself.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// globalSetup runs in this process (test.env only reaches the test workers), and it
// is what picks the broker: say which one here.
process.env.FIREHOSE_TEST_BROKER = 'embedded';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      env: { FIREHOSE_TEST_BROKER: 'embedded' },
      exclude: ['test/cli/connection.test.ts', 'test/cli/sasl.test.ts', 'test/support/harness.test.ts', '**/node_modules/**'],
    },
  }),
);
