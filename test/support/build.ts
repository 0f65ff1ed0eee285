// End-to-end tests run the built CLI: build once per test file that needs it.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What `npm run build` does, without first removing dist/ (test files may build at the same time). */
export async function buildCli(): Promise<void> {
  await execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT });
  await execa('node', ['scripts/bundle.mjs'], { cwd: ROOT });
}
