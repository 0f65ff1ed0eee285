// Bundles the compiled CLI (dist/, from tsc) into dist/bundle/: one module for what every
// command needs and one chunk per lazily imported part. Node 20 has no compile cache and
// pays per module it loads (~115 of firehose's own for a Kafka command); a handful of
// bundled modules starts ~50 ms sooner.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

/** Bundled although third-party: loaded by every run (commander and its typings wrapper). */
const BUNDLED = ['commander', '@commander-js/extra-typings'];
const { dependencies } = JSON.parse(readFileSync('package.json', 'utf8'));

await build({
  entryPoints: { main: 'dist/cli/main.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Third-party packages stay in node_modules and load when used, except commander, which
  // every run loads: bundled, it costs no module resolution (~8 ms of `firehose --help`).
  external: Object.keys(dependencies).filter((name) => !BUNDLED.includes(name)),
  // commander is CommonJS: its require() of node: modules needs a real require in ESM.
  banner: { js: "import { createRequire as __firehoseRequire } from 'node:module'; const require = __firehoseRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
