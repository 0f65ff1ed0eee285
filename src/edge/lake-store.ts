// Where the data lake's objects go: a local folder (the one-machine lab's default) or an S3
// bucket (seed 002's kafka-to-s3 route; src/edge/lake-s3.ts, loaded only when used). Both
// store an object whole or not at all, so a reader never sees half of one and a rewrite
// after a crash replaces it.
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { FirehoseError } from '../errors.js';

/** Where the lab's objects go when no --dir or --bucket says otherwise. */
export const DEFAULT_LAKE_DIR = 'data-lake';

export interface LakeObject {
  name: string;
  bytes: number;
  /** Records in the object, where the listing knows it without reading the object (folders). */
  records?: number;
  modified: string;
}

export interface LakeStore {
  /** Where, for messages: a folder path or s3://bucket at an endpoint. */
  readonly where: string;
  /** Checks that objects can be stored (the folder is made, the bucket exists and the keys work). */
  prepare(): Promise<void>;
  put(name: string, body: string): Promise<void>;
  /** Every object whose name starts with `prefix`, sorted by name. */
  list(prefix: string): Promise<LakeObject[]>;
  get(name: string): Promise<string>;
}

export interface S3Target {
  bucket: string;
  /** A custom endpoint (path-style addressing); none means AWS itself. */
  endpoint?: string;
  region: string;
  /** Off only on request (--no-verify-tls), with a warning. */
  verifyTls: boolean;
  /** Make the bucket when it does not exist (s3cmd mb). */
  createBucket: boolean;
}

export type LakeTarget = { kind: 'folder'; dir: string } | ({ kind: 's3' } & S3Target);

/** The environment's AWS keys (as the seed sets them), passed on explicitly. */
export interface S3Credentials {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

export async function openLakeStore(target: LakeTarget, credentials: S3Credentials = {}): Promise<LakeStore> {
  if (target.kind === 'folder') return new FolderStore(target.dir);
  const { S3Store } = await import('./lake-s3.js');
  return new S3Store(target, credentials);
}

export function lakeObjectNotFound(name: string, where: string): FirehoseError {
  return new FirehoseError('NOT_FOUND', `No object ${name} in ${where}.`, { hint: '`firehose lake ls` lists them.' });
}

class FolderStore implements LakeStore {
  constructor(private readonly dir: string) {}

  get where(): string {
    return this.dir;
  }

  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      throw new FirehoseError('OUT_UNWRITABLE', `Cannot create the data lake folder ${this.dir}: ${error.code ?? error.message}.`, { hint: 'Give a folder you can write to with --dir.' });
    });
  }

  /** A temporary file renamed into place. */
  async put(name: string, body: string): Promise<void> {
    const path = join(this.dir, ...name.split('/'));
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, body);
    await rename(tmp, path);
  }

  async list(prefix: string): Promise<LakeObject[]> {
    const out: LakeObject[] = [];
    const walk = async (at: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(at, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && at === this.dir) {
          throw new FirehoseError('NOT_FOUND', `No data lake folder ${this.dir}.`, { hint: 'Give the folder `firehose lake` writes to with --dir.' });
        }
        throw error;
      }
      for (const entry of entries) {
        const path = join(at, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.name.endsWith('.jsonl')) {
          const name = relative(this.dir, path).split(sep).join('/');
          if (!name.startsWith(prefix)) continue;
          const [info, body] = await Promise.all([stat(path), readFile(path, 'utf8')]);
          out.push({ name, bytes: info.size, records: body.split('\n').filter(Boolean).length, modified: info.mtime.toISOString() });
        }
      }
    };
    await walk(this.dir);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<string> {
    if (name.split('/').includes('..')) throw lakeObjectNotFound(name, this.dir);
    try {
      return await readFile(join(this.dir, ...name.split('/')), 'utf8');
    } catch {
      throw lakeObjectNotFound(name, this.dir);
    }
  }
}
