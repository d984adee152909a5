import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedStorage } from '../../storage/embedded/index.js';

const repoRoot = new URL('../..', import.meta.url);
const writerScript = new URL('./fixtures/embedded-writer.ts', import.meta.url).pathname;

interface Ack {
  modRevision: number;
  seq: number;
}

/**
 * Runs the writer on `dataDir` until it has acknowledged `acks` writes, then kill -9s it.
 * Returns, per key, the last write it reported as acknowledged.
 */
async function writeAndKill(dataDir: string, tag: string, acks: number, snapshotThresholdBytes: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dataDir, tag, String(snapshotThresholdBytes)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // 'close' rather than 'exit': it waits for the last of the output, too.
  const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  const acknowledged = new Map<string, Ack>();
  let count = 0;
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const [word, key, modRevision, seq] = line.split(' ');
      if (word !== 'ack') continue;
      acknowledged.set(key!, { modRevision: Number(modRevision), seq: Number(seq) });
      // The kill lands mid-stream; lines already on their way still count as acknowledged.
      if (++count === acks) child.kill('SIGKILL');
    }
  });
  const signal = await closed;
  if (count < acks) throw new Error(`the writer ended after ${count} of ${acks} acks: ${stderr}`);
  expect(signal).toBe('SIGKILL');
  return acknowledged;
}

describe('embedded storage under kill -9', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('loses no acknowledged write when the process writing to it is killed', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'embedded-crash-'));
    dirs.push(dataDir);
    // A small threshold makes kills land around snapshots and log rotations too.
    const snapshotThresholdBytes = 64 * 1024;
    const everAcknowledged = new Map<string, Ack>();

    for (const [round, acks] of [50, 2000, 6000].entries()) {
      const acknowledged = await writeAndKill(dataDir, `round${round}`, acks, snapshotThresholdBytes);
      for (const [key, ack] of acknowledged) everAcknowledged.set(key, ack);

      const storage = await EmbeddedStorage.open(dataDir);
      try {
        const lost: string[] = [];
        for (const [key, ack] of everAcknowledged) {
          const kv = await storage.get(key);
          const seq = kv && Number(new TextDecoder().decode(kv.value));
          if (!kv || kv.modRevision < ack.modRevision || seq! < ack.seq) {
            lost.push(`${key}: acknowledged ${JSON.stringify(ack)}, found ${kv ? `seq ${seq} at ${kv.modRevision}` : 'nothing'}`);
          }
        }
        expect(lost).toEqual([]);
        const maxAcknowledged = Math.max(...[...everAcknowledged.values()].map((a) => a.modRevision));
        const revision = await storage.currentRevision();
        expect(revision).toBeGreaterThanOrEqual(maxAcknowledged);
        const after = await storage.create(`/after-round-${round}`, new Uint8Array([1]));
        expect(after.modRevision).toBe(revision + 1);
      } finally {
        await storage.close();
      }
    }
  }, 120_000);
});
