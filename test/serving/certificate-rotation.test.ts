// Rotating the serving certificate: replace the files on disk and the next connection is
// served the new certificate, without a restart; a half-written pair is not taken.
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { allowAuthenticated } from '../../src/server/auth.js';
import { ClientCaAuthenticator } from '../../src/server/authentication/client-ca.js';
import { parseCertificateBundle } from '../../src/server/authentication/certificate-chain.js';
import { ServingCertificate, staticCaBundle } from '../../src/server/serving/serving-certificate.js';
import { createCa, issue, type TestCertificate } from '../auth/certificates.js';
import { call, startHarness, type Harness } from '../auth/harness.js';

let dir: string;
let ca: TestCertificate;
let clientCa: TestCertificate;
let serving: ServingCertificate;
let harness: Harness;
const reloads: string[] = [];
const failures: string[] = [];

const servingCertificate = (): Promise<TestCertificate> =>
  issue(ca, { commonName: 'cosmos-apiserver', usage: 'server', hosts: ['localhost', '127.0.0.1'] });

/** The serial number a new connection is shown, once it equals `expected` (or the last one seen). */
async function servedSerial(expected: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { serverSerial } = await call(harness.port, '/livez', { ca: ca.certPem });
    if (serverSerial.toLowerCase() === expected.toLowerCase() || Date.now() > deadline) return serverSerial.toLowerCase();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosmos-serving-'));
  [ca, clientCa] = await Promise.all([createCa('serving-ca'), createCa('client-ca')]);
  const first = await servingCertificate();
  await writeFile(join(dir, 'tls.crt'), first.certPem);
  await writeFile(join(dir, 'tls.key'), first.keyPem);
  serving = await ServingCertificate.load({
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
    clientCAs: staticCaBundle([clientCa.certPem]),
    // Long enough that the test shows fs.watch noticing, short enough for the symlink swap.
    pollIntervalMs: 1_000,
    onReload: (cert) => reloads.push(cert.serialNumber.toLowerCase()),
    onError: (err) => failures.push(String(err)),
  });
  const roots = parseCertificateBundle(clientCa.certPem);
  harness = await startHarness({ authenticator: new ClientCaAuthenticator(() => roots), authorizer: allowAuthenticated, serving });
  expect(await servedSerial(first.serialNumber)).toBe(first.serialNumber.toLowerCase());
});

afterAll(async () => {
  await harness?.close();
  serving?.close();
  await rm(dir, { recursive: true, force: true });
});

it('serves a replaced certificate to new connections without a restart', async () => {
  const next = await servingCertificate();
  await writeFile(join(dir, 'tls.key'), next.keyPem);
  await writeFile(join(dir, 'tls.crt'), next.certPem);
  expect(await servedSerial(next.serialNumber)).toBe(next.serialNumber.toLowerCase());
  expect(reloads).toContain(next.serialNumber.toLowerCase());
  // The client CAs stay in the new context: client certificates still authenticate.
  const client = await issue(clientCa, { commonName: 'carol' });
  const reply = await call(harness.port, '/anything', { ca: ca.certPem, cert: client.certPem, key: client.keyPem });
  expect(reply.body.user).toEqual({ name: 'carol', groups: [] });
});

it('keeps the current certificate while the key on disk does not match it', async () => {
  const current = (await call(harness.port, '/livez', { ca: ca.certPem })).serverSerial;
  const other = await servingCertificate();
  const orphanKey = (await servingCertificate()).keyPem;
  failures.length = 0;
  await writeFile(join(dir, 'tls.crt'), other.certPem);
  await writeFile(join(dir, 'tls.key'), orphanKey);
  // A read may also catch a file half-written (refused as well); wait for the mismatch.
  const mismatch = /is not the key of the certificate/;
  const deadline = Date.now() + 5_000;
  while (!mismatch.test(failures.join('\n')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(failures.join('\n')).toMatch(mismatch);
  expect((await call(harness.port, '/livez', { ca: ca.certPem })).serverSerial).toBe(current);
  // Completing the pair puts it in service.
  await writeFile(join(dir, 'tls.key'), other.keyPem);
  expect(await servedSerial(other.serialNumber)).toBe(other.serialNumber.toLowerCase());
});

it('follows the symlink swap Kubernetes uses to update a mounted Secret', async () => {
  // Layout of a Secret volume: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>/
  const volume = join(dir, 'volume');
  const publish = async (version: string, cert: TestCertificate): Promise<void> => {
    await mkdir(join(volume, version), { recursive: true });
    await writeFile(join(volume, version, 'tls.crt'), cert.certPem);
    await writeFile(join(volume, version, 'tls.key'), cert.keyPem);
    await symlink(version, join(volume, '..data_tmp'));
    await rename(join(volume, '..data_tmp'), join(volume, '..data'));
  };
  const first = await servingCertificate();
  await publish('..v1', first);
  await symlink('..data/tls.crt', join(volume, 'tls.crt'));
  await symlink('..data/tls.key', join(volume, 'tls.key'));
  const mounted = await ServingCertificate.load({ certFile: join(volume, 'tls.crt'), keyFile: join(volume, 'tls.key'), clientCAs: staticCaBundle([]), pollIntervalMs: 500 });
  const mountedHarness = await startHarness({ authenticator: { authenticate: async () => null }, authorizer: allowAuthenticated, serving: mounted });
  try {
    const serial = async (): Promise<string> => (await call(mountedHarness.port, '/livez', { ca: ca.certPem })).serverSerial.toLowerCase();
    expect(await serial()).toBe(first.serialNumber.toLowerCase());
    const second = await servingCertificate();
    await publish('..v2', second);
    const deadline = Date.now() + 10_000;
    while ((await serial()) !== second.serialNumber.toLowerCase() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await serial()).toBe(second.serialNumber.toLowerCase());
  } finally {
    await mountedHarness.close();
    mounted.close();
  }
});
