// Bundles the compiled CLI (dist/, from tsc) into dist/bundle/: one module for what every
// command needs and one chunk per lazily imported part. Node 20 has no compile cache and
// pays per module it loads (~115 of firehose's own for a Kafka command); a handful of
// bundled modules starts ~50 ms sooner. Third-party packages stay in node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'dist/cli/main.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
