import { link, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from '../interface.js';

const lockName = 'LOCK';

/** Locks held by this process: its own pid is alive, yet a second open here must fail too. */
const heldHere = new Set<string>();

/**
 * An exclusive claim on a data dir, so that two stores never write to one directory. The
 * lock file holds the owner's pid; a lock whose owner has died (crash, kill -9) is taken
 * over. Not safe against two processes taking over the same stale lock at the same instant.
 */
export class DirLock {
  private constructor(private readonly path: string) {}

  /** `dir` must exist. */
  static async acquire(dir: string): Promise<DirLock> {
    // The real path, so that one dir reached by two paths is still recognised here.
    const path = join(await realpath(dir), lockName);
    if (heldHere.has(path)) throw new StorageError(`data dir ${dir} is already open in this process`);
    // Written in full under another name and then linked into place (link fails when the
    // name exists), so a lock file is never seen empty.
    const claim = `${path}.${process.pid}.claim`;
    await writeFile(claim, `${process.pid}\n`);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await link(claim, path);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
        }
        const owner = await readOwner(path);
        // Our own pid here means an earlier process that had it (heldHere says it is not us).
        if (owner !== null && owner !== process.pid && isAlive(owner)) {
          throw new StorageError(`data dir ${dir} is in use by process ${owner} (lock file ${path})`);
        }
        await rm(path, { force: true });
      }
    } finally {
      await rm(claim, { force: true });
    }
    heldHere.add(path);
    return new DirLock(path);
  }

  async release(): Promise<void> {
    await rm(this.path, { force: true });
    heldHere.delete(this.path);
  }
}

async function readOwner(path: string): Promise<number | null> {
  try {
    const pid = Number.parseInt(await readFile(path, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
