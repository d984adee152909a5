import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from '../interface.js';
import { listDataDir, removeFilesBefore, removeTempFiles, segmentName, snapshotName, syncDir } from './data-dir.js';
import { readFrames } from './framing.js';

export interface RecoveredLog {
  /** The latest snapshot's records, if there is a snapshot. */
  snapshot: Buffer[] | null;
  /** Payloads of the records logged after the snapshot, in order. */
  records: Buffer[];
  /** The segment to go on appending to, and the length of its intact records. */
  tail: { segment: number; bytes: number };
}

/**
 * Reads back what a previous run made durable and leaves the directory ready to append
 * to: a torn record at the very end of the log (a crash mid-write, never acknowledged) is
 * cut off; damage anywhere else is refused, since replaying around it would be wrong.
 */
export async function recoverLog(dir: string): Promise<RecoveredLog> {
  await removeTempFiles(dir);
  const { segments, snapshots } = await listDataDir(dir);
  const snapshotSeq = snapshots.at(-1);
  const snapshot = snapshotSeq === undefined ? null : await readSnapshot(dir, snapshotSeq);
  const firstSeq = snapshotSeq ?? segments[0] ?? 1;
  // Left over when a crash came between writing a snapshot and removing what it replaces.
  const obsolete = await removeFilesBefore(dir, firstSeq);

  const live = segments.filter((seq) => seq >= firstSeq);
  const fresh = live.length === 0;
  if (fresh) {
    await (await open(join(dir, segmentName(firstSeq)), 'wx')).close();
    live.push(firstSeq);
  }
  if (fresh || obsolete.length > 0) await syncDir(dir);

  const records: Buffer[] = [];
  let tailBytes = 0;
  for (const [i, seq] of live.entries()) {
    const path = join(dir, segmentName(seq));
    const bytes = await readFile(path);
    const { payloads, intactLength } = readFrames(bytes);
    if (intactLength < bytes.length) {
      if (i < live.length - 1) throw new StorageError(`${path} is damaged at byte ${intactLength}, before the end of the log`);
      await truncate(path, intactLength);
    }
    for (const payload of payloads) records.push(payload);
    tailBytes = intactLength;
  }
  return { snapshot, records, tail: { segment: live.at(-1)!, bytes: tailBytes } };
}

async function readSnapshot(dir: string, seq: number): Promise<Buffer[]> {
  const path = join(dir, snapshotName(seq));
  const bytes = await readFile(path);
  const { payloads, intactLength } = readFrames(bytes);
  // Snapshots are renamed into place only once complete, so any damage is real damage.
  if (intactLength !== bytes.length) throw new StorageError(`${path} is damaged at byte ${intactLength}`);
  return payloads;
}

async function truncate(path: string, length: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
