#!/usr/bin/env node
// Startup matters: reuse compiled bytecode where Node offers it (22.1+), then load the CLI
// bundled (dist/bundle/, scripts/bundle.mjs: fewer modules to load).
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../dist/bundle/main.js');
await main();
