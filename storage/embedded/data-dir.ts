import { mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

// A data dir holds numbered log segments (wal-N.log), at most one live snapshot
// (snapshot-N.snap: the state before segment N, which is where replay continues), a LOCK,
// and at worst a *.tmp left by a crash halfway through writing a snapshot.
const digits = 16;
const segmentPattern = /^wal-(\d+)\.log$/;
const snapshotPattern = /^snapshot-(\d+)\.snap$/;
const tmpSuffix = '.tmp';

export const segmentName = (seq: number) => `wal-${String(seq).padStart(digits, '0')}.log`;
export const snapshotName = (seq: number) => `snapshot-${String(seq).padStart(digits, '0')}.snap`;

export interface DataDirFiles {
  /** Segment numbers, ascending. */
  segments: number[];
  /** Snapshot numbers, ascending. */
  snapshots: number[];
}

export async function listDataDir(dir: string): Promise<DataDirFiles> {
  const names = await readdir(dir);
  const numbered = (pattern: RegExp) =>
    names.flatMap((name) => pattern.exec(name)?.[1] ?? []).map(Number).sort((a, b) => a - b);
  return { segments: numbered(segmentPattern), snapshots: numbered(snapshotPattern) };
}

/** Removes segments and snapshots numbered below `seq`: a snapshot numbered `seq` replaces them. */
export async function removeFilesBefore(dir: string, seq: number): Promise<string[]> {
  const { segments, snapshots } = await listDataDir(dir);
  const names = [
    ...segments.filter((n) => n < seq).map(segmentName),
    ...snapshots.filter((n) => n < seq).map(snapshotName),
  ];
  await Promise.all(names.map((name) => rm(join(dir, name), { force: true })));
  return names;
}

/** Leftovers of snapshots a crash interrupted before they were complete. */
export async function removeTempFiles(dir: string): Promise<void> {
  const names = await readdir(dir);
  await Promise.all(names.filter((n) => n.endsWith(tmpSuffix)).map((n) => rm(join(dir, n), { force: true })));
}

/** Creates `dir` and any missing parents so that they survive a power loss. */
export async function makeDirDurably(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true });
  if (firstCreated === undefined) return;
  // A directory's entry lives in its parent: sync the parent of each one created.
  for (let created = resolve(dir); ; created = dirname(created)) {
    await syncDir(dirname(created));
    if (created === resolve(firstCreated)) return;
  }
}

/** Makes creations, renames and removals of files in `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `dir/name` so that a crash leaves either no such file or the whole of it. `chunks`
 * are taken one at a time, each after the previous one is written.
 */
export async function writeFileAtomically(dir: string, name: string, chunks: Iterable<Uint8Array>): Promise<void> {
  const tmp = join(dir, name + tmpSuffix);
  const handle = await open(tmp, 'w');
  try {
    for (const chunk of chunks) await writeFully(handle, chunk);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, join(dir, name));
  await syncDir(dir);
}

/** Writes all of `bytes` at the handle's position (a single write may take only part). */
export async function writeFully(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length; ) {
    written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
  }
}
