/**
 * One Class Assist process per data directory: `DATA_DIR/class-assist.pid` holds the owner's pid. A second start on
 * the same directory is refused with a clear message; a lock left by a process that no longer runs is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export class DataDirBusyError extends Error {}

export interface DataDirLock {
  /** True when the previous owner died without releasing the lock (its database may still be running). */
  tookOverStaleLock: boolean;
  release(): void;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'class-assist.pid');
  let tookOverStaleLock = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        tookOverStaleLock,
        release() {
          try {
            if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isRunning(owner)) {
        throw new DataDirBusyError(
          `Another Class Assist (pid ${owner}) is already using the data directory ${dataDir}. ` +
            'Stop it first, or give this one its own DATA_DIR (or a DATABASE_URL).',
        );
      }
      unlinkSync(file);
      tookOverStaleLock = true;
    }
  }
  throw new DataDirBusyError(`Could not lock the data directory ${dataDir}`);
}
