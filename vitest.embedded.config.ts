// The main suite against firehose's embedded broker instead of Apache Kafka
// (`npm run test:embedded`). Same tests, TLS and SASL included (global-setup.ts gives the
// embedded broker the Apache harness's listeners), except the smoke test of the Apache
// Kafka harness itself.
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
      exclude: ['test/support/harness.test.ts', '**/node_modules/**'],
    },
  }),
);
