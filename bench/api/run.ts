// bench/api: the API server on the etcd backend, each figure beside its anchor measured
// in the same run on this machine.
//
//   creates/s ÷ raw etcd puts/s (32 clients)                       target ≥ 0.6
//   GET/s ÷ a bare node:https server returning the same bytes       target ≥ 0.5
//   LIST of 10k objects, p50 (resourceVersion "" and "0")           target ≤ 50 ms
//   1,000 watchers, event → delivery p99                            target ≤ 100 ms
//
// The anchor server is HTTPS with the same certificate and client-certificate request
// as ours, so the ratio measures our request path, not TLS. The same bare server storing
// each POST with one etcd put shows the ceiling of the creates ratio on this machine: a
// server that does nothing else per create.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:https';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { startApiServer } from '../../test/support/apiserver.js';
import { startEtcd } from '../../test/support/etcd.js';
import { client, readCredentials, router } from '../https-client.js';
import { buildShipped, ROOT } from '../shipped.js';
import { throughput as closedLoop } from '../closed-loop.js';

const CLIENTS = 32;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const LIST_SIZE = Number(process.env.BENCH_LIST_SIZE ?? 10_000);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 1000);

/** Operations per second with CLIENTS closed-loop workers. */
const throughput = (op: (i: number) => Promise<unknown>): Promise<number> => closedLoop(CLIENTS, DURATION_MS, op);

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/**
 * The anchor: a bare node:https server, in its own process like ours, returning fixed
 * bytes; with `etcdEndpoint`, storing each POST body with one etcd put first.
 */
async function startBareServer(dataDir: string, body: Buffer, etcdEndpoint?: string): Promise<{ port: number; stop(): void }> {
  const args = [join(ROOT, 'bench/api/bare-server.ts'), dataDir, ...(etcdEndpoint ? [etcdEndpoint] : [])];
  const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), args, { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(body);
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return { port: Number(line.toString().trim()), stop: () => child.kill() };
}

async function main(): Promise<void> {
  // What ships: the compiled server, as `npm start` runs it.
  buildShipped();
  const etcd = await startEtcd();
  const server = await startApiServer({ backend: 'etcd', etcd, code: 'dist' });
  const creds = await readCredentials(server.kubeconfig);
  const api = client(server.port, creds, CLIENTS);
  const raw = new Etcd3({ hosts: etcd.endpoint });
  const base = '/apis/bgp.miloapis.com/v1alpha1/namespaces';
  try {
    console.log(`api benchmark (etcd backend): ${CLIENTS} clients, ${DURATION_MS} ms per throughput figure\n`);

    const sample = Buffer.from(router('sample', 'bench'));
    const putsPerSec = await throughput((i) => raw.put(`/anchor/${i}`).value(sample).exec());
    let created = 0;
    const createsPerSec = await throughput(async (i) => {
      const res = await api.call('POST', `${base}/create/bgprouters`, router(`r-${i}`, 'create'));
      if (res.status !== 201) throw new Error(`create answered ${res.status}: ${res.body}`);
      created++;
    });
    const storingBare = await startBareServer(server.dataDir, Buffer.from('{}'), etcd.endpoint);
    const storingClient = client(storingBare.port, creds, CLIENTS);
    const bareCreatesPerSec = await throughput(async (i) => {
      const res = await storingClient.call('POST', `${base}/create/bgprouters`, router(`r-${i}`, 'create'));
      if (res.status !== 201) throw new Error(`the bare server answered ${res.status}: ${res.body}`);
    });
    storingBare.stop();
    storingClient.agent.destroy();
    console.log(`creates/s ${createsPerSec.toFixed(0)} (${created} objects)   raw etcd puts/s ${putsPerSec.toFixed(0)}   bare node:https + one etcd put per POST/s ${bareCreatesPerSec.toFixed(0)}`);

    const getPath = `${base}/create/bgprouters/r-0`;
    const one = await api.call('GET', getPath);
    const bare = await startBareServer(server.dataDir, one.body);
    const bareClient = client(bare.port, creds, CLIENTS);
    const bareGets = await throughput(() => bareClient.call('GET', getPath));
    const gets = await throughput(() => api.call('GET', getPath));
    bare.stop();
    bareClient.agent.destroy();
    console.log(`GET/s ${gets.toFixed(0)}   bare node:https GET/s ${bareGets.toFixed(0)}`);

    let made = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, w) => {
        for (let i = w; i < LIST_SIZE; i += CLIENTS) {
          await api.call('POST', `${base}/list/bgprouters`, router(`l-${i}`, 'list'));
          made++;
        }
      }),
    );
    // Lists of an unchanged collection reuse its serialized items; `afterChange` changes
    // one object before each list, so that every list serializes the collection anew.
    const listTimes = async (query: string, afterChange = false): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < 15; i++) {
        if (afterChange) {
          const patch = JSON.stringify({ metadata: { annotations: { listed: String(i) } } });
          await api.call('PATCH', `${base}/list/bgprouters/l-${i}`, patch, { 'Content-Type': 'application/merge-patch+json' });
        }
        const t = performance.now();
        await api.call('GET', `${base}/list/bgprouters${query}`);
        times.push(performance.now() - t);
      }
      return percentile(times, 50);
    };
    // One untimed list first, checked for completeness: both kinds of read below then
    // start from the same warmed-up state.
    const first = await api.call('GET', `${base}/list/bgprouters`);
    if ((JSON.parse(first.body.toString()) as { items: unknown[] }).items.length !== LIST_SIZE) throw new Error('short list');
    const listStorage = await listTimes('');
    const listCache = await listTimes('?resourceVersion=0');
    const listChanged = await listTimes('', true);
    console.log(
      `LIST of ${made} objects p50: ${listStorage.toFixed(1)} ms consistent (resourceVersion ""), ${listCache.toFixed(1)} ms any state (resourceVersion 0), ${listChanged.toFixed(1)} ms consistent after a change`,
    );

    const watchAgent = client(server.port, creds, WATCHERS + 10);
    const latencies: number[] = [];
    const sent = new Map<string, number>();
    let ready = 0;
    const watches = Array.from({ length: WATCHERS }, () => {
      const req = request({
        host: '127.0.0.1',
        port: server.port,
        path: `${base}/watch/bgprouters?watch=true&resourceVersion=0`,
        agent: watchAgent.agent,
      });
      req.on('response', (res) => {
        ready++;
        let buf = '';
        res.on('data', (d: Buffer) => {
          buf += d.toString();
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const ev = JSON.parse(buf.slice(0, nl)) as { object: { metadata: { annotations?: Record<string, string> } } };
            buf = buf.slice(nl + 1);
            const mark = ev.object.metadata.annotations?.mark;
            const at = mark ? sent.get(mark) : undefined;
            if (at !== undefined) latencies.push(performance.now() - at);
          }
        });
      });
      req.end();
      return req;
    });
    await api.call('POST', `${base}/watch/bgprouters`, router('w', 'watch'));
    while (ready < WATCHERS) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    const EVENTS = 30;
    for (let i = 0; i < EVENTS; i++) {
      const mark = `m${i}`;
      sent.set(mark, performance.now());
      await api.call('PATCH', `${base}/watch/bgprouters/w`, JSON.stringify({ metadata: { annotations: { mark } } }), {
        'Content-Type': 'application/merge-patch+json',
      });
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000));
    for (const w of watches) w.destroy();
    watchAgent.agent.destroy();
    const p99 = percentile(latencies, 99);
    console.log(`${WATCHERS} watchers: ${latencies.length}/${WATCHERS * EVENTS} deliveries, event→delivery p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);

    console.log('');
    console.log(`creates/s ÷ raw etcd puts/s          ${(createsPerSec / putsPerSec).toFixed(2)}   (target ≥ 0.6; a bare node:https server with one put per POST: ${(bareCreatesPerSec / putsPerSec).toFixed(2)})`);
    console.log(`GET/s ÷ bare node:https GET/s        ${(gets / bareGets).toFixed(2)}   (target ≥ 0.5)`);
    console.log(`LIST ${LIST_SIZE} p50 ("" / 0 / changed) ${listStorage.toFixed(1)} / ${listCache.toFixed(1)} / ${listChanged.toFixed(1)} ms   (target ≤ 50 ms)`);
    console.log(`watch event→delivery p99             ${p99.toFixed(1)} ms   (target ≤ 100 ms)`);
  } finally {
    api.agent.destroy();
    raw.close();
    await server.stop();
    await etcd.stop();
  }
}

await main();
