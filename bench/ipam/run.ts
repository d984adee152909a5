// bench/ipam: what address allocation costs, and whether it slows down as a VPC fills up,
// measured in one run on this machine: as users see it, through the API server, and
// beneath it, over each storage backend.
//
// Through the API server (etcd backend, the compiled server):
//   POST vpcs/NAME/allocate per s ÷ POST bgprouters per s   (target ≥ 0.8; a plain create)
// Over storage, IPAM alone, per backend:
//   allocations/s ÷ plain creates/s        (target ≥ 0.8; anchor: one create-if-absent per op)
//   allocations/s ÷ bare two-key txns/s    (the same writes without IPAM: IPAM's own share)
//   time per allocation at 90 % ÷ at 10 %  (target ≤ 1.2; the free-address search must not scan)
//
// Throughput: 32 concurrent clients in a closed loop, alternating between what is compared
// in short slices. Fullness: two VPCs, one 10 % and one 90 % full, allocated from in
// alternation by one client. Both ways, what is compared sees the same machine.
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage, TxnOp } from '../../storage/interface.js';
import { startApiServer } from '../../test/support/apiserver.js';
import { startEtcd, type RunningEtcd } from '../../test/support/etcd.js';
import { client, readCredentials, router } from '../https-client.js';
import { shipped } from '../shipped.js';

const { EmbeddedStorage } = await shipped<typeof import('../../storage/embedded/index.js')>('storage/embedded/index.js');
const { EtcdStorage } = await shipped<typeof import('../../storage/etcd.js')>('storage/etcd.js');
const { Ipam } = await shipped<typeof import('../../src/ipam/ipam.js')>('src/ipam/ipam.js');
const { addressKey, ownerKey } = await shipped<typeof import('../../src/ipam/keys.js')>('src/ipam/keys.js');
const { Network } = await shipped<typeof import('../../src/ipam/network.js')>('src/ipam/network.js');
const { encodeRecord, timestamp } = await shipped<typeof import('../../src/ipam/records.js')>('src/ipam/records.js');
type Network = NonNullable<ReturnType<typeof Network.parse>>;

const CLIENTS = 32;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const FULLNESS_SAMPLES = Number(process.env.BENCH_FULLNESS_SAMPLES ?? 400);
const FULLNESS_NETWORK = '10.64.0.0/18';
// The anchor creates one object the way the registry does (a key in its layout) holding as
// many bytes as an allocation writes (its owner record and its address record).
const SAMPLE = { owner: 'VirtualMachine/bench-000000', createdAt: timestamp() };
const VALUE = new Uint8Array(
  encodeRecord({ ...SAMPLE, addresses: ['10.0.0.0/8'] }).length + encodeRecord({ ...SAMPLE, network: '10.0.0.0/8' }).length,
).fill(0x61);
const plainKey = (i: number) => `/registry/vpc.miloapis.com/vpcattachments/bench/plain-${i}`;

const vpc = (name: string, networks: string[]) => ({ metadata: { name }, spec: { networks } });

/**
 * Operations per second of each of `ops`, each by CLIENTS closed-loop workers, in short
 * alternating slices: the machine is shared with others and its disk latency drifts by an
 * order of magnitude within seconds, so only measurements interleaved this finely compare.
 */
async function alternating<K extends string>(ops: Record<K, (i: number) => Promise<unknown>>): Promise<Record<K, number>> {
  const slices = 20;
  const sliceMs = DURATION_MS / slices;
  const counts = {} as Record<K, number>;
  let i = 0;
  for (let slice = 0; slice < slices; slice++) {
    for (const name of Object.keys(ops) as K[]) {
      const deadline = Date.now() + sliceMs;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (Date.now() < deadline) {
            await ops[name](i++);
            counts[name] = (counts[name] ?? 0) + 1;
          }
        }),
      );
    }
  }
  for (const name of Object.keys(ops) as K[]) counts[name] /= DURATION_MS / 1000;
  return counts;
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

/** An owner record and its address record, as an allocation of the address at `offset` writes them. */
function allocationWrites(namespace: string, vpcName: string, network: Network, offset: number | bigint, owner = `VirtualMachine/filler-${offset}`): TxnOp[] {
  const address = network.addressAt(network.first + BigInt(offset));
  const createdAt = timestamp();
  return [
    { type: 'create', key: ownerKey(namespace, vpcName, owner), value: encodeRecord({ owner, addresses: [network.cidrOf(address)], createdAt }) },
    { type: 'create', key: addressKey(namespace, vpcName, address), value: encodeRecord({ owner, network: network.cidr, createdAt }) },
  ];
}

/** Fills `fraction` of the VPC's network with random addresses of filler owners, as allocation would. */
async function fill(storage: Storage, namespace: string, vpcName: string, fraction: number): Promise<void> {
  const network = Network.parse(FULLNESS_NETWORK)!;
  const offsets = Array.from({ length: Number(network.size) }, (_, i) => i);
  for (let i = offsets.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [offsets[i], offsets[j]] = [offsets[j]!, offsets[i]!];
  }
  const chosen = offsets.slice(0, Math.round(offsets.length * fraction));
  for (let start = 0; start < chosen.length; start += 50) {
    await storage.txn(chosen.slice(start, start + 50).flatMap((offset) => allocationWrites(namespace, vpcName, network, offset)));
  }
}

async function measure(name: string, storage: Storage): Promise<{ throughputRatio: number; overheadRatio: number; fullnessRatio: number }> {
  const ipam = new Ipam(storage);
  try {
    await ipam.start();
    const big = vpc('throughput', ['10.0.0.0/8']);
    const rates = await alternating({
      creates: (i) => storage.create(plainKey(i), VALUE),
      allocations: (i) => ipam.allocate({ namespace: 'bench', vpc: big, owner: `VirtualMachine/bench-${i}` }),
      // The two writes an allocation makes, without IPAM around them: what is left between
      // this and allocations is IPAM's own cost, the rest is the storage's for a second key.
      bare: (i) => storage.txn(allocationWrites('bench', 'bare', Network.parse('11.0.0.0/8')!, i)),
    });

    await fill(storage, 'bench', 'low', 0.1);
    await fill(storage, 'bench', 'high', 0.9);
    // Counting asks for an index as current as storage: both VPCs are then fully known.
    await ipam.allocationsInNetworks('bench', 'high', [FULLNESS_NETWORK]);
    // One client, alternating between the VPCs allocation by allocation; medians, since a
    // disk stall now and then would swamp a mean.
    const timesMs = { low: [] as number[], high: [] as number[] };
    for (let i = 0; i < FULLNESS_SAMPLES; i++) {
      // Which goes first is drawn, so that neither always runs while the other's
      // aftermath (its watch event, say) is still being handled.
      for (const which of Math.random() < 0.5 ? (['low', 'high'] as const) : (['high', 'low'] as const)) {
        const started = performance.now();
        await ipam.allocate({ namespace: 'bench', vpc: vpc(which, [FULLNESS_NETWORK]), owner: `VirtualMachine/sample-${i}` });
        timesMs[which].push(performance.now() - started);
      }
    }
    const timeMs = { low: median(timesMs.low), high: median(timesMs.high) };
    const usage = await ipam.usage('bench', vpc('high', [FULLNESS_NETWORK]));
    const full = (100 * usage.networks[0]!.allocated) / Number(Network.parse(FULLNESS_NETWORK)!.size);

    console.log(`${name}`);
    console.log(`  plain creates/s                        ${rates.creates.toFixed(0).padStart(8)}`);
    console.log(`  allocations/s                          ${rates.allocations.toFixed(0).padStart(8)}`);
    console.log(`  bare two-key transactions/s            ${rates.bare.toFixed(0).padStart(8)}`);
    console.log(`  ms per allocation (median), 10 % full  ${timeMs.low.toFixed(3).padStart(8)}`);
    console.log(`  ms per allocation (median), 90 % full  ${timeMs.high.toFixed(3).padStart(8)}   (${full.toFixed(1)} % full at the end)`);
    return { throughputRatio: rates.allocations / rates.creates, overheadRatio: rates.allocations / rates.bare, fullnessRatio: timeMs.high / timeMs.low };
  } finally {
    ipam.close();
  }
}

/** Allocations and plain creates as clients make them: HTTPS requests to the compiled server. */
async function measureApi(etcd: RunningEtcd): Promise<number> {
  const server = await startApiServer({ backend: 'etcd', etcd, code: 'dist' });
  const api = client(server.port, await readCredentials(server.kubeconfig), CLIENTS);
  const expect = async (call: Promise<{ status: number; body: Buffer }>, status: number) => {
    const res = await call;
    if (res.status !== status) throw new Error(`answered ${res.status}, not ${status}: ${res.body}`);
  };
  const vpcs = '/apis/vpc.miloapis.com/v1alpha1/namespaces/bench/vpcs';
  try {
    const vpcBody = { apiVersion: 'vpc.miloapis.com/v1alpha1', kind: 'VPC', metadata: { name: 'api' }, spec: { networks: ['10.0.0.0/8'] } };
    await expect(api.call('POST', vpcs, JSON.stringify(vpcBody)), 201);
    const rates = await alternating({
      creates: (i) => expect(api.call('POST', '/apis/bgp.miloapis.com/v1alpha1/namespaces/bench/bgprouters', router(`r-${i}`, 'bench')), 201),
      allocations: (i) => {
        const body = { apiVersion: 'vpc.miloapis.com/v1alpha1', kind: 'AddressAllocation', spec: { owner: `VirtualMachine/api-${i}` } };
        return expect(api.call('POST', `${vpcs}/api/allocate`, JSON.stringify(body)), 201);
      },
    });
    console.log('through the API server (etcd)');
    console.log(`  POST bgprouters/s                      ${rates.creates.toFixed(0).padStart(8)}`);
    console.log(`  POST vpcs/api/allocate/s               ${rates.allocations.toFixed(0).padStart(8)}`);
    return rates.allocations / rates.creates;
  } finally {
    api.agent.destroy();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const dir = await mkdtemp(join(tmpdir(), 'bench-ipam-'));
  const viaEtcd = new EtcdStorage({ endpoints: [etcd.endpoint] });
  const embedded = await EmbeddedStorage.open(dir);
  try {
    console.log(`ipam benchmark: ${CLIENTS} concurrent clients for ${DURATION_MS} ms, ${FULLNESS_SAMPLES} allocations per fullness\n`);
    const apiRatio = await measureApi(etcd);
    const results = { etcd: await measure('etcd', viaEtcd), embedded: await measure('embedded', embedded) };
    console.log('');
    console.log(`API       allocate/s ÷ plain creates/s          ${apiRatio.toFixed(2)}   (target ≥ 0.8)`);
    for (const [name, r] of Object.entries(results)) {
      console.log(`${name.padEnd(9)} allocations/s ÷ plain creates/s          ${r.throughputRatio.toFixed(2)}   (target ≥ 0.8)`);
      console.log(`${name.padEnd(9)} allocations/s ÷ bare two-key txns/s      ${r.overheadRatio.toFixed(2)}   (IPAM's own share of the cost)`);
      console.log(`${name.padEnd(9)} time per allocation 90 % ÷ 10 % full     ${r.fullnessRatio.toFixed(2)}   (target ≤ 1.2)`);
    }
  } finally {
    await viaEtcd.close();
    await embedded.close();
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
