// A small tmpfs for storage tests: a real file system that really fills up
// (ENOSPC) and can be made read-only (EROFS). Mounting needs root, which CI
// has (.ci/run runs as root); elsewhere the tests that use it fail saying so.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Tmpfs {
  dir: string;
  /** Writes a filler file until the file system refuses (ENOSPC). */
  fill(): void;
  /** Removes the filler: the space is back. */
  free(): void;
  /** Remounts read-only (true) or read-write (false). */
  readOnly(on: boolean): void;
  unmount(): void;
}

export function mountTmpfs(bytes: number): Tmpfs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'firehose-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`this test mounts a tmpfs and needs root (or CAP_SYS_ADMIN): ${(error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message}`);
  }
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = fs.openSync(filler, 'a');
      try {
        // Big writes first, then single bytes for the last partial page.
        for (const chunk of [Buffer.alloc(64 * 1024, 1), Buffer.alloc(1, 1)]) {
          try {
            for (;;) fs.writeSync(fd, chunk);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          }
        }
      } finally {
        fs.closeSync(fd);
      }
    },
    free() {
      fs.rmSync(filler, { force: true });
    },
    readOnly(on) {
      execFileSync('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, dir], { stdio: 'pipe' });
    },
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
