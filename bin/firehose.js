#!/usr/bin/env node
// Startup matters: reuse compiled bytecode where Node offers it (22.1+), then load the CLI.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../dist/cli/main.js');
await main();
