// Graceful shutdown: readiness fails first, then new connections are refused, watches
// end with a clean end of stream, requests in flight finish (or are cut after the
// grace period), and storage closes last.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { allowAuthenticated } from '../../src/server/auth.js';
import { ServingCertificate, staticCaBundle } from '../../src/server/serving/serving-certificate.js';
import { gracefulShutdown } from '../../src/server/serving/shutdown.js';
import { createCa, issue, type TestCertificate } from '../auth/certificates.js';
import { call, startHarness, type Harness } from '../auth/harness.js';

let dir: string;
let ca: TestCertificate;
let harness: Harness;
let serving: ServingCertificate;

const anyone = { authenticate: async () => ({ name: 'tester', groups: [] }) };

/** Opens a streaming response; `complete` says whether it ended properly (not cut off). */
function openStream(port: number, path: string): Promise<{ firstLine: string; ended: Promise<{ complete: boolean }> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca: ca.certPem, servername: 'localhost', agent: false }, (res) => {
      let text = '';
      const ended = new Promise<{ complete: boolean }>((done) => res.on('close', () => done({ complete: res.complete })));
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve({ firstLine: text.split('\n')[0]!, ended });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosmos-shutdown-'));
  ca = await createCa('shutdown-ca');
  const cert = await issue(ca, { commonName: 'cosmos-apiserver', usage: 'server', hosts: ['localhost', '127.0.0.1'] });
  await writeFile(join(dir, 'tls.crt'), cert.certPem);
  await writeFile(join(dir, 'tls.key'), cert.keyPem);
  return async () => rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  serving = await ServingCertificate.load({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), clientCAs: staticCaBundle([]) });
  harness = await startHarness({ authenticator: anyone, authorizer: allowAuthenticated, serving });
});

afterEach(async () => {
  await harness.close().catch(() => {});
  serving.close();
});

it('drains, refuses new connections, ends watches cleanly and lets requests finish before storage closes', async () => {
  const events: string[] = [];
  const watch = await openStream(harness.port, '/stream?watch=true');
  expect(watch.firstLine).toBe('{"type":"BOOKMARK"}');
  harness.server.on('request', (req, res) => {
    if (req.url === '/slow') res.on('finish', () => events.push('request answered'));
  });
  const inFlight = call(harness.port, '/slow', { ca: ca.certPem });
  await new Promise((resolve) => setTimeout(resolve, 200));

  const shutdown = gracefulShutdown({
    server: harness.server,
    startDraining: harness.startDraining,
    endWatches: () => {
      events.push('watches ended');
      harness.endStreams();
    },
    closeStorage: async () => void events.push('storage closed'),
    drainDelayMs: 800,
    graceMs: 5_000,
  });
  // During the drain delay the server still serves, but says it is not ready.
  const readyz = await call(harness.port, '/readyz', { ca: ca.certPem });
  expect(readyz.status).toBe(503);

  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await expect(call(harness.port, '/livez', { ca: ca.certPem })).rejects.toThrow(/ECONNREFUSED/);
  expect(await watch.ended).toEqual({ complete: true });

  harness.releaseSlow();
  expect((await inFlight).status).toBe(200);
  await shutdown;
  expect(events).toEqual(['watches ended', 'request answered', 'storage closed']);
});

it('cuts requests still running when the grace period is over, then closes storage', async () => {
  const stuck = call(harness.port, '/slow', { ca: ca.certPem });
  await new Promise((resolve) => setTimeout(resolve, 200));
  let storageClosed = false;
  const started = Date.now();
  await gracefulShutdown({
    server: harness.server,
    startDraining: harness.startDraining,
    endWatches: harness.endStreams,
    closeStorage: async () => void (storageClosed = true),
    graceMs: 500,
  });
  expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  expect(storageClosed).toBe(true);
  await expect(stuck).rejects.toThrow(/socket hang up|ECONNRESET/);
});
