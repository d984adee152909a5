// bench/intent: intent → route, against FRR's own processing as the floor, both measured
// in the same run on the same fabric (a node and its ToR in network namespaces, real FRR,
// the real API server and agent; test/e2e/support/fabric.ts).
//
//   intent: create a BGPAdvertisement (one HTTPS POST) → its prefix in the ToR's kernel FIB
//   floor:  the same kind of prefix configured on the node directly (one vtysh session:
//           `network P` in the node's BGP instance) → in the ToR's kernel FIB
//
//   median intent ÷ median floor    target ≤ 2×
//   median intent                   target ≤ 0.3 s
//
// The two alternate, one of each per round, so both see the same machine. The floor's
// `network` line is not the agent's to keep (the agent owns the BGP instance and removes
// what it did not render, within its 1 s observation interval): a floor round the agent
// overtook before the route reached the ToR is measured again.
import { performance } from 'node:perf_hooks';
import { eventually } from '../../test/agent/support/eventually.js';
import { Fabric, TOR, TOR_ASN } from '../../test/e2e/support/fabric.js';
import { FibMonitor } from './fib-monitor.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const WARMUP_RUNS = 2;
const TIMEOUT_MS = 5_000;
const TARGET_RATIO = 2;
const TARGET_MEDIAN_MS = 300;
const NODE = 'n1';
const ADVERTISEMENTS = '/apis/bgp.miloapis.com/v1alpha1/namespaces/default/bgpadvertisements';

async function main(): Promise<void> {
  const fabric = await Fabric.start([{ name: NODE, uplink: 'link' }]);
  let monitor: FibMonitor | undefined;
  try {
    const node = fabric.node(NODE);
    const applied = await fabric.api.kubectl(['apply', '-f', '-'], {
      input: `
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPRouter
metadata: {name: ${NODE}-underlay, namespace: default}
spec:
  targetRef: {kind: Node, name: ${NODE}}
  localASN: ${node.asn}
  routerID: ${node.routerId}
  addressFamilies: [{afi: ipv4, safi: unicast}]
---
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPPeer
metadata: {name: tor, namespace: default}
spec:
  routerRef: {name: ${NODE}-underlay}
  address: ${node.torAddress}
  peerASN: ${TOR_ASN}
  holdTime: 9s
  keepaliveTime: 3s
  addressFamilies: [{afi: ipv4, safi: unicast}]
`,
    });
    if (applied.code !== 0) throw new Error(applied.stderr);
    await eventually(() => fabric.torNeighbor(NODE), (n) => n?.bgpState === 'Established', 60_000, 250);
    monitor = await FibMonitor.start(fabric.lab.ns(TOR));
    const fib = monitor;

    const intent = async (i: number): Promise<number> => {
      const prefix = `198.18.${i}.0/24`;
      const name = `bench-${i}`;
      const started = performance.now();
      const created = await fabric.api.request('POST', ADVERTISEMENTS, {
        body: {
          apiVersion: 'bgp.miloapis.com/v1alpha1',
          kind: 'BGPAdvertisement',
          metadata: { name },
          spec: { routerRef: { name: `${NODE}-underlay` }, addressFamily: { afi: 'ipv4', safi: 'unicast' }, prefixes: [prefix] },
        },
      });
      if (created.status !== 201) throw new Error(`creating ${name}: ${created.status} ${created.body}`);
      const ms = (await fib.until(prefix, true, TIMEOUT_MS)) - started;
      await fabric.api.request('DELETE', `${ADVERTISEMENTS}/${name}`);
      await fib.until(prefix, false, TIMEOUT_MS);
      return ms;
    };

    let overtaken = 0;
    const floor = async (i: number): Promise<number> => {
      const prefix = `198.19.${i}.0/24`;
      const bgp = ['configure terminal', `router bgp ${node.asn}`, 'address-family ipv4 unicast'];
      for (;;) {
        const started = performance.now();
        await fabric.lab.vtysh(NODE, [...bgp, `network ${prefix}`]);
        const arrived = await fib.until(prefix, true, TIMEOUT_MS).catch(() => undefined);
        // Already gone when the agent removed it first.
        await fabric.lab.vtysh(NODE, [...bgp, `no network ${prefix}`]).catch(() => undefined);
        await fib.until(prefix, false, TIMEOUT_MS);
        if (arrived !== undefined) return arrived - started;
        overtaken++;
      }
    };

    const intents: number[] = [];
    const floors: number[] = [];
    for (let i = 0; i < WARMUP_RUNS + RUNS; i++) {
      // Alternating which goes first keeps any after-effect of one off the other's figures.
      let intentRun: number;
      let floorRun: number;
      if (i % 2) {
        floorRun = await floor(i);
        intentRun = await intent(i);
      } else {
        intentRun = await intent(i);
        floorRun = await floor(i);
      }
      if (i < WARMUP_RUNS) continue;
      intents.push(intentRun);
      floors.push(floorRun);
    }

    const intentMs = median(intents);
    const floorMs = median(floors);
    const ratio = intentMs / floorMs;
    const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');
    console.log(`bench/intent: BGPAdvertisement created → prefix in the ToR's kernel FIB (${RUNS} runs each, after ${WARMUP_RUNS} warm-up)`);
    console.log(`  intent  median ${fmt(intentMs)}  (min ${fmt(Math.min(...intents))}, max ${fmt(Math.max(...intents))})`);
    console.log(`  floor   median ${fmt(floorMs)}  (min ${fmt(Math.min(...floors))}, max ${fmt(Math.max(...floors))})  vtysh \`network\` on the node${overtaken ? `; ${overtaken} round(s) redone after the agent removed the line first` : ''}`);
    console.log(`  ratio   ${ratio.toFixed(2)}×   target ≤ ${TARGET_RATIO}×   ${verdict(ratio <= TARGET_RATIO)}`);
    console.log(`  median  ${fmt(intentMs)}   target ≤ ${fmt(TARGET_MEDIAN_MS)}   ${verdict(intentMs <= TARGET_MEDIAN_MS)}`);
  } finally {
    monitor?.stop();
    await fabric.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
