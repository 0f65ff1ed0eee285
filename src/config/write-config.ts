import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ConfigFile } from './config-file.js';

/** Drops undefined and empty values so the file holds only what was chosen. */
function prune<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || v === '') continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const inner = prune(v as object);
      if (Object.keys(inner).length > 0) out[key] = inner;
    } else out[key] = v;
  }
  return out as T;
}

/**
 * Deletes the `remove` key paths from the config file at `path` (creating it), merges
 * `changes` into it, and returns what it holds now. Comments and keys firehose does not know are kept, since the yaml Document is edited.
 */
export async function updateConfigFile(path: string, changes: ConfigFile, remove: string[][] = []): Promise<ConfigFile> {
  const { parseDocument } = await import('yaml');
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const document = parseDocument(text);
  if (!document.contents) document.contents = document.createNode({}) as never;
  const walk = (prefix: string[], value: object) => {
    for (const [key, v] of Object.entries(value)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) walk([...prefix, key], v);
      else document.setIn([...prefix, key], v);
    }
  };
  for (const keys of remove) if (document.hasIn(keys)) document.deleteIn(keys);
  walk([], prune(changes));
  await mkdir(dirname(path), { recursive: true });
  // 0600: the file may name keystores and user names (never passwords).
  await writeFile(path, document.toString(), { mode: 0o600 });
  return document.toJS() as ConfigFile;
}
