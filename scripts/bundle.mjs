// Bundles the compiled CLI (dist/, from tsc) into dist/bundle/: one module for what every
// command needs and one chunk per command and per lazily imported part, plus the
// manifest of the commands for the root's help. Node 20 has no compile cache and
// pays per module it loads (~115 of firehose's own for a Kafka command); a handful of
// bundled modules starts ~50 ms sooner.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';

/** Bundled although third-party: loaded by every run (commander and its typings wrapper). */
const BUNDLED = ['commander', '@commander-js/extra-typings'];
const { dependencies } = JSON.parse(readFileSync('package.json', 'utf8'));

/**
 * commander requires node:child_process at load for executable subcommands, which firehose
 * does not use; loading it pulls in net, dgram and more (~5 ms of every run). Give commander
 * a stand-in that loads the real module on first use.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined);
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      contents: "module.exports = { spawn: (...args) => require('node:child_process').spawn(...args) };",
      loader: 'js',
    }));
  },
};

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
  plugins: [lazyChildProcess],
  sourcemap: 'linked',
  logLevel: 'warning',
});

// The top-level commands as the root's help lists them, so `firehose --help` loads none of
// their code (src/cli/program.ts, programFor). Written from the tree just compiled, so it
// cannot disagree with it.
const { buildProgram, commandManifest, MANIFEST_FILE } = await import('../dist/cli/program.js');
writeFileSync(`dist/bundle/${MANIFEST_FILE}`, `${JSON.stringify(commandManifest(await buildProgram()), null, 1)}\n`);
