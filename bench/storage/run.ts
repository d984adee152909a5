// bench/storage: how much the storage layer costs over raw etcd, and how the embedded
// store compares with etcd, measured in one run on this machine.
//
//   etcd backend puts/s ÷ raw etcd3 puts/s   (anchor: the same client, no layer of ours)
//   etcd backend gets/s ÷ raw etcd3 gets/s
//   embedded puts/s and gets/s ÷ etcd backend
//
// 32 concurrent clients each issue operations in a closed loop for a fixed duration.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import type { Storage } from '../../storage/interface.js';
import { startEtcd } from '../../test/support/etcd.js';
import { shipped } from '../shipped.js';
import { throughput as closedLoop } from '../closed-loop.js';

const { EmbeddedStorage } = await shipped<typeof import('../../storage/embedded/index.js')>('storage/embedded/index.js');
const { EtcdStorage } = await shipped<typeof import('../../storage/etcd.js')>('storage/etcd.js');

const CLIENTS = 32;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const VALUE = new TextEncoder().encode(JSON.stringify({ spec: { localASN: 65001, routerID: '10.0.0.1', padding: 'x'.repeat(600) } }));

interface Ops {
  put(i: number): Promise<unknown>;
  get(i: number): Promise<unknown>;
}

/** Operations per second with CLIENTS closed-loop workers. */
const throughput = (op: (i: number) => Promise<unknown>): Promise<number> => closedLoop(CLIENTS, DURATION_MS, op);

async function measure(name: string, ops: Ops): Promise<{ puts: number; gets: number }> {
  const puts = await throughput((i) => ops.put(i));
  const gets = await throughput((i) => ops.get(i % 1000));
  console.log(`${name.padEnd(22)} puts/s ${puts.toFixed(0).padStart(8)}   gets/s ${gets.toFixed(0).padStart(8)}`);
  return { puts, gets };
}

function storageOps(storage: Storage, prefix: string): Ops {
  // Updates go through the guarded path the API server uses (compare on mod revision).
  const revisions = new Map<number, number>();
  return {
    put: async (i) => {
      const key = `${prefix}${i % 1000}`;
      const rev = revisions.get(i % 1000);
      const kv = rev ? await storage.update(key, VALUE, rev).catch(() => storage.get(key)) : await storage.create(key, VALUE).catch(() => storage.get(key));
      if (kv) revisions.set(i % 1000, kv.modRevision);
    },
    get: (i) => storage.get(`${prefix}${i}`),
  };
}

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const dir = await mkdtemp(join(tmpdir(), 'bench-storage-'));
  const raw = new Etcd3({ hosts: etcd.endpoint });
  const backend = new EtcdStorage({ endpoints: [etcd.endpoint], prefix: '/bench' });
  const embedded = await EmbeddedStorage.open(dir);
  try {
    console.log(`storage benchmark: ${CLIENTS} concurrent clients, ${DURATION_MS} ms per measurement\n`);
    const rawOps: Ops = {
      put: async (i) => raw.put(`/raw/${i % 1000}`).value(Buffer.from(VALUE)).exec(),
      get: (i) => raw.get(`/raw/${i}`).buffer(),
    };
    const anchor = await measure('raw etcd3 (anchor)', rawOps);
    const viaEtcd = await measure('etcd backend', storageOps(backend, '/k/'));
    const viaEmbedded = await measure('embedded backend', storageOps(embedded, '/k/'));
    console.log('');
    console.log(`etcd backend puts/s ÷ raw etcd3 puts/s   ${(viaEtcd.puts / anchor.puts).toFixed(2)}`);
    console.log(`etcd backend gets/s ÷ raw etcd3 gets/s   ${(viaEtcd.gets / anchor.gets).toFixed(2)}`);
    console.log(`embedded puts/s ÷ etcd backend puts/s    ${(viaEmbedded.puts / viaEtcd.puts).toFixed(2)}`);
    console.log(`embedded gets/s ÷ etcd backend gets/s    ${(viaEmbedded.gets / viaEtcd.gets).toFixed(2)}`);
  } finally {
    raw.close();
    await backend.close();
    await embedded.close();
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
