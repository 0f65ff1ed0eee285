// Java classpaths the tests run (the Kafka broker, its console tools, MirrorMaker2), fetched
// from Maven Central once into the test cache: Maven copies into a private folder that is
// renamed into place at the end, so an interrupted or concurrent run never leaves a
// half-filled libs folder behind the marker.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

export interface MavenLibsOptions {
  /** The cache folder; the jars go into its libs/. */
  dir: string;
  /** mvn's arguments after -q -B; `-DoutputDirectory=<folder>` is added. */
  args: string[];
  /** Jar file names that must be there afterwards. */
  expect: string[];
  /** What is fetched, for the error ("Kafka 4.1.1 jars"). */
  what: string;
}

/** The libs folder, fetched with Maven unless the cache already has it complete. */
export async function mavenLibs(options: MavenLibsOptions): Promise<string> {
  const libs = join(options.dir, 'libs');
  const marker = join(options.dir, 'complete');
  if (existsSync(marker) && existsSync(libs)) return libs;
  await mkdir(options.dir, { recursive: true });
  const tmp = await mkdtemp(join(options.dir, 'libs-tmp-'));
  try {
    await execa('mvn', ['-q', '-B', ...options.args, `-DoutputDirectory=${tmp}`], { timeout: 10 * 60_000, all: true, maxBuffer: 64 * 1024 * 1024 });
    const jars = await readdir(tmp);
    for (const expected of options.expect) if (!jars.includes(expected)) throw new Error(`Maven ran but ${tmp} has no ${expected}`);
    await rm(libs, { recursive: true, force: true });
    await rename(tmp, libs);
    await writeFile(marker, `${jars.filter((f) => f.endsWith('.jar')).length} jars\n`);
    return libs;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    const e = err as { all?: string; shortMessage?: string; message: string };
    throw new Error(`Fetching ${options.what} with Maven failed (is mvn installed?): ${e.shortMessage ?? e.message}\n${e.all ?? ''}`);
  }
}
