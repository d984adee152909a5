// bench/codec: JSON against the Kubernetes protobuf envelope for the values we store in
// etcd and send to clients, on realistic objects of every kind, measured in one run.
//
//   bytes per object            protobuf ÷ JSON
//   encode+decode per second    protobuf ÷ JSON   (anchor: JSON as src/registry/codec.ts
//   encode/s, decode/s          protobuf ÷ JSON    stores it, through TextEncoder/Decoder)
//
// The machine is shared, so each figure is the best of ROUNDS short closed-loop runs
// (BENCH_DURATION_MS each, default 300), JSON and protobuf alternating, after a warm-up
// that lets V8 optimise both paths before the clock starts.
import type { KubeObject } from '../../src/api/object.js';
import { decodeEnvelope, encodeEnvelope } from '../../src/protobuf/index.js';
import { advertisement, attachment, peer, policyWithTerms, router, vpc, vrf } from '../../test/protobuf/objects.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARM_UP = 500;

interface Codec {
  name: string;
  encode(obj: object): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

const json: Codec = {
  name: 'JSON',
  encode: (obj) => textEncoder.encode(JSON.stringify(obj)),
  decode: (bytes) => JSON.parse(textDecoder.decode(bytes)),
};

const proto: Codec = {
  name: 'protobuf',
  encode: (obj) => encodeEnvelope(obj),
  decode: (bytes) => decodeEnvelope(bytes),
};

function list(kind: string, items: KubeObject[]): object {
  return { apiVersion: items[0]!.apiVersion, kind, metadata: { resourceVersion: '48233' }, items };
}

const CASES: [string, object][] = [
  ['BGPPolicy, 32 terms', policyWithTerms(32)],
  ['BGPPolicy, 4 terms', policyWithTerms(4)],
  ['BGPRouter', router],
  ['BGPPeer', peer],
  ['BGPAdvertisement', advertisement],
  ['BGPVRFInstance', vrf],
  ['VPC', vpc],
  ['VPCAttachment', attachment],
  ['BGPPeerList, 200 items', list('BGPPeerList', Array.from({ length: 200 }, () => structuredClone(peer)))],
];

/** Operations per second of `op` in one closed-loop run. */
function rate(op: () => void): number {
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < DURATION_MS) {
    for (let i = 0; i < 10; i++) op();
    count += 10;
    now = performance.now();
  }
  return count / ((now - start) / 1000);
}

type Figures = { bytes: number; roundTrip: number; encode: number; decode: number };

/** The best of ROUNDS runs of each operation, the two codecs taking turns. */
function measure(obj: object): { json: Figures; proto: Figures } {
  const ops = (codec: Codec) => {
    const bytes = codec.encode(obj);
    return {
      roundTrip: () => codec.decode(codec.encode(obj)),
      encode: () => codec.encode(obj),
      decode: () => codec.decode(bytes),
      bytes: bytes.length,
    };
  };
  const both = { json: ops(json), proto: ops(proto) };
  const best = { json: { bytes: both.json.bytes, roundTrip: 0, encode: 0, decode: 0 }, proto: { bytes: both.proto.bytes, roundTrip: 0, encode: 0, decode: 0 } };
  for (const side of ['json', 'proto'] as const) for (let i = 0; i < WARM_UP; i++) both[side].roundTrip();
  for (let round = 0; round < ROUNDS; round++) {
    for (const op of ['roundTrip', 'encode', 'decode'] as const) {
      for (const side of ['json', 'proto'] as const) best[side][op] = Math.max(best[side][op], rate(both[side][op]));
    }
  }
  return best;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(9);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`.padStart(7);

console.log(`codec benchmark: best of ${ROUNDS} runs of ${DURATION_MS} ms per figure; ratios are protobuf ÷ JSON`);
console.log('');
console.log(
  `${'object'.padEnd(24)} ${'JSON B'.padStart(8)} ${'pb B'.padStart(8)} ${'size'.padStart(7)}   ` +
    `${'JSON rt/s'.padStart(9)} ${'pb rt/s'.padStart(9)} ${'rt'.padStart(7)}   ${'enc'.padStart(7)} ${'dec'.padStart(7)}`,
);
const totals = { json: 0, proto: 0 };
for (const [name, obj] of CASES) {
  const { json: j, proto: p } = measure(obj);
  totals.json += 1 / j.roundTrip;
  totals.proto += 1 / p.roundTrip;
  console.log(
    `${name.padEnd(24)} ${String(j.bytes).padStart(8)} ${String(p.bytes).padStart(8)} ${ratio(p.bytes, j.bytes)}   ` +
      `${fmt(j.roundTrip)} ${fmt(p.roundTrip)} ${ratio(p.roundTrip, j.roundTrip)}   ${ratio(p.encode, j.encode)} ${ratio(p.decode, j.decode)}`,
  );
}
console.log('');
console.log(`one encode+decode of every case: JSON ${(totals.json * 1e6).toFixed(0)} µs, protobuf ${(totals.proto * 1e6).toFixed(0)} µs (${ratio(totals.json, totals.proto).trim()} the speed)`);
console.log('rt = encode+decode; enc, dec = protobuf ÷ JSON operations per second (above 1× protobuf is faster)');
