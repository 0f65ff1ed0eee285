import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/** Reads a TLS file a flag names (CA, certificate, key); a usage error naming the flag when it cannot. */
export async function readTlsFile(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permissions)' : (error as Error).message;
    throw new UsageError(`${flag} file ${path} ${why}.`, `Check the path given to ${flag}.`, { code: 'TLS_FILE_UNREADABLE' });
  }
}
