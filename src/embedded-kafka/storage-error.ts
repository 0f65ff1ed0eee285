// File-system failures of the embedded broker's storage, said in words a user
// can act on (the errno code kept in brackets, so "ENOSPC" reaches the user).
import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
};

/** "no space left on device (ENOSPC)" for an errno error; the message for anything else. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && REASONS[code] !== undefined) return `${REASONS[code]} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

/** A write or read the storage could not do, as the KAFKA_STORAGE_ERROR a client is answered with. */
export function storageError(what: string, error: unknown): KafkaProtocolError {
  if (error instanceof KafkaProtocolError) return error;
  return new KafkaProtocolError(ErrorCode.KAFKA_STORAGE_ERROR, `cannot ${what}: ${describeFsError(error)}`);
}
