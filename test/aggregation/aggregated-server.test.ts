// The real server process (`npm start`'s command) in aggregated mode, driven as
// kube-apiserver's aggregator and ordinary clients drive it, over real TLS: front-proxy
// identities, client certificates, bearer tokens, SubjectAccessReview, serving limits,
// certificate rotation and graceful shutdown. Its storage is a real etcd reached over
// TLS with the --etcd-* flags the deploy manifests use. The core API server it delegates
// to is a local STAND-IN (test/auth/core-apiserver-stand-in.ts): no kube-apiserver binary
// can be had on these machines.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, issue, type TestCertificate } from '../auth/certificates.js';
import { startCoreApiServerStandIn, type CoreApiServerStandIn, type ReviewedSpec } from '../auth/core-apiserver-stand-in.js';
import { call, type ClientOptions, type Reply } from '../auth/harness.js';
import { router, routersPath } from '../server/objects.js';
import { startApiServer, type RunningApiServer } from '../support/apiserver.js';
import { holdRequest, openWatch } from './requests.js';
import { startTlsEtcd, type TlsEtcd } from './tls-etcd.js';

const MUTATING_IN_FLIGHT = 2;
const SHUTDOWN_DELAY_MS = 2_000;
const JSON_BODY = { 'Content-Type': 'application/json' };

let dir: string;
let servingCa: TestCertificate;
let frontProxyCa: TestCertificate;
let clientCa: TestCertificate;
let proxy: TestCertificate;
let standIn: CoreApiServerStandIn;
let etcd: TlsEtcd;
let server: RunningApiServer;
let stopped = false;

type Options = Omit<ClientOptions, 'ca'>;
const send = (path: string, options: Options = {}): Promise<Reply> => call(server.port, path, { ca: servingCa.certPem, ...options });
/** Through the front proxy, as the user (and groups) the X-Remote-* headers name. */
const viaProxy = (user: string, headers: Record<string, string | string[]> = {}, options: Options = {}): Options => ({
  cert: proxy.chainPem,
  key: proxy.keyPem,
  ...options,
  headers: { 'X-Remote-User': user, ...headers, ...options.headers },
});
const create = (options: Options, name: string, namespace = 'default'): Promise<Reply> =>
  send(routersPath(namespace), { ...options, method: 'POST', body: JSON.stringify(router(name)), headers: { ...JSON_BODY, ...options.headers } });
const reviewsOf = (user: string): ReviewedSpec[] => standIn.accessReviews.filter((review) => review.user === user);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosmos-aggregated-'));
  [servingCa, frontProxyCa, clientCa] = await Promise.all([createCa('serving-ca'), createCa('front-proxy-ca'), createCa('client-ca')]);
  proxy = await issue(frontProxyCa, { commonName: 'front-proxy-client' });
  const serving = await issue(servingCa, { commonName: 'cosmos-apiserver', usage: 'server', hosts: ['localhost', '127.0.0.1'] });
  await writeFile(join(dir, 'tls.crt'), serving.certPem);
  await writeFile(join(dir, 'tls.key'), serving.keyPem);

  // What kube-apiserver publishes in kube-system/extension-apiserver-authentication.
  standIn = await startCoreApiServerStandIn({
    'client-ca-file': clientCa.certPem,
    'requestheader-client-ca-file': frontProxyCa.certPem,
    'requestheader-allowed-names': '["front-proxy-client"]',
    'requestheader-username-headers': '["X-Remote-User"]',
    'requestheader-uid-headers': '["X-Remote-Uid"]',
    'requestheader-group-headers': '["X-Remote-Group"]',
    'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
  });
  standIn.tokens.set('token-of-bob', { username: 'bob', uid: 'uid-bob', groups: ['team-b'] });
  standIn.authorize = (spec) => (spec.user === 'mallory' ? { allowed: false, reason: 'no RBAC policy matched' } : { allowed: true });
  const kubeconfig = join(dir, 'core-kubeconfig');
  await standIn.writeKubeconfig(kubeconfig);

  etcd = await startTlsEtcd();
  server = await startApiServer({
    backend: 'etcd',
    etcd,
    kubeconfig: false,
    args: [
      '--authentication-kubeconfig', kubeconfig,
      '--authorization-kubeconfig', kubeconfig,
      '--tls-cert-file', join(dir, 'tls.crt'),
      '--tls-private-key-file', join(dir, 'tls.key'),
      '--etcd-cafile', etcd.client.caFile,
      '--etcd-certfile', etcd.client.certFile,
      '--etcd-keyfile', etcd.client.keyFile,
      '--max-mutating-requests-inflight', String(MUTATING_IN_FLIGHT),
      '--shutdown-delay-duration', `${SHUTDOWN_DELAY_MS}ms`,
    ],
  });
});

afterAll(async () => {
  if (server && !stopped) await server.stop();
  await etcd?.stop();
  await standIn?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('starts in aggregated mode: no admin kubeconfig, and says so', async () => {
  expect(server.output()).toMatch(/listening on https:\/\/127\.0\.0\.1:\d+ \(storage: etcd https:\/\/127\.0\.0\.1:\d+ over TLS\)/);
  // The mode line follows the listening line, which is all startup waits for.
  const deadline = Date.now() + 5_000;
  while (!server.output().includes('Aggregated mode') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(server.output()).toContain('Aggregated mode');
  expect(server.output()).not.toContain('KUBECONFIG');
  expect(standIn.configMapReads).toBeGreaterThan(0);
});

describe('front proxy (request-header authentication)', () => {
  it('serves a client with the front-proxy certificate as the user its X-Remote-* headers name', async () => {
    const headers = { 'X-Remote-Uid': 'uid-alice', 'X-Remote-Group': ['dev', 'ops'], 'X-Remote-Extra-Scopes': 'read' };
    const created = await create(viaProxy('alice', headers), 'r1');
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.metadata).toMatchObject({ name: 'r1', namespace: 'default' });
    // The question that reached the core API server is about this user and this request.
    expect(reviewsOf('alice')).toContainEqual({
      user: 'alice',
      uid: 'uid-alice',
      groups: ['dev', 'ops', 'system:authenticated'],
      extra: { scopes: ['read'] },
      resourceAttributes: { verb: 'create', group: 'bgp.miloapis.com', version: 'v1alpha1', resource: 'bgprouters', subresource: '', namespace: 'default', name: '' },
    });
    const read = await send(routersPath('default', 'r1'), viaProxy('alice', headers));
    expect(read.status).toBe(200);
    expect(read.body.spec.localASN).toBe(65001);
  });

  it('ignores the same headers without that certificate: 401', async () => {
    const reply = await create({ headers: { 'X-Remote-User': 'alice', 'X-Remote-Group': 'system:masters' } }, 'by-nobody');
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
  });

  it('ignores them from a certificate of the front-proxy CA whose CN is not allowed: 401', async () => {
    const rogue = await issue(frontProxyCa, { commonName: 'rogue-proxy' });
    const reply = await create({ cert: rogue.chainPem, key: rogue.keyPem, headers: { 'X-Remote-User': 'alice', 'X-Remote-Group': 'system:masters' } }, 'by-rogue');
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('a client certificate from the client CA is its own user, whatever X-Remote-* headers it sends', async () => {
    const carol = await issue(clientCa, { commonName: 'carol', organizations: ['net'] });
    const reply = await send(routersPath('default', 'r1'), { cert: carol.chainPem, key: carol.keyPem, headers: { 'X-Remote-User': 'alice' } });
    expect(reply.status).toBe(200);
    expect(reviewsOf('carol')).toContainEqual(expect.objectContaining({ groups: ['net', 'system:authenticated'] }));
  });
});

describe('bearer tokens (TokenReview)', () => {
  it('authenticates a token the core API server vouches for', async () => {
    const reply = await send(routersPath('default', 'r1'), { headers: { Authorization: 'Bearer token-of-bob' } });
    expect(reply.status).toBe(200);
    expect(standIn.tokenReviews).toContain('token-of-bob');
    expect(reviewsOf('bob')).toContainEqual(expect.objectContaining({ uid: 'uid-bob', groups: ['team-b', 'system:authenticated'] }));
  });

  it('an unknown token is 401', async () => {
    const reply = await send(routersPath('default', 'r1'), { headers: { Authorization: 'Bearer made-up' } });
    expect(reply.status).toBe(401);
    expect(standIn.tokenReviews).toContain('made-up');
  });
});

describe('authorization (SubjectAccessReview)', () => {
  it('a denied review is 403 with the message kube-apiserver gives, and nothing is written', async () => {
    const reply = await create(viaProxy('mallory'), 'by-mallory');
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'bgprouters.bgp.miloapis.com is forbidden: User "mallory" cannot create resource "bgprouters" in API group "bgp.miloapis.com" in the namespace "default": no RBAC policy matched',
      reason: 'Forbidden',
      details: { group: 'bgp.miloapis.com', kind: 'bgprouters' },
      code: 403,
    });
    expect((await send(routersPath('default', 'by-mallory'), viaProxy('alice'))).status).toBe(404);
  });

  it('/version, /metrics, the OpenAPI documents and discovery are authorized by path before they answer', async () => {
    for (const path of ['/version', '/metrics', '/openapi/v2', '/openapi/v3', '/apis', '/apis/bgp.miloapis.com', '/apis/bgp.miloapis.com/v1alpha1']) {
      const denied = await send(path, viaProxy('mallory'));
      expect(denied.status, path).toBe(403);
      expect(denied.body.message, path).toBe(`forbidden: User "mallory" cannot get path "${path}": no RBAC policy matched`);
      expect((await send(path, viaProxy('dave'))).status, path).toBe(200);
      expect(reviewsOf('dave'), path).toContainEqual(expect.objectContaining({ nonResourceAttributes: { path, verb: 'get' } }));
    }
  });

  it('leaves Foreground deletion to kube\'s garbage collector: the object waits with its finalizer', async () => {
    expect((await create(viaProxy('alice'), 'doomed', 'gc')).status).toBe(201);
    const options = JSON.stringify({ propagationPolicy: 'Foreground' });
    // Content-Length, or node sends a DELETE body neither chunked nor delimited.
    const headers = { ...JSON_BODY, 'Content-Length': String(options.length) };
    const deleted = await send(routersPath('gc', 'doomed'), viaProxy('alice', headers, { method: 'DELETE', body: options }));
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    const waiting = await send(routersPath('gc', 'doomed'), viaProxy('alice'));
    expect(waiting.status).toBe(200);
    expect(waiting.body.metadata.finalizers).toContain('foregroundDeletion');
    expect(waiting.body.metadata.deletionTimestamp).toBeDefined();
  });

  it('lets system:masters through without a review', async () => {
    const reply = await send(routersPath('default', 'r1'), viaProxy('root', { 'X-Remote-Group': 'system:masters' }));
    expect(reply.status).toBe(200);
    expect(reviewsOf('root')).toEqual([]);
  });
});

it('/healthz, /livez and /readyz answer without credentials; other paths do not', async () => {
  for (const path of ['/healthz', '/livez', '/readyz']) {
    const reply = await send(path);
    expect(reply.status, path).toBe(200);
    expect(reply.body, path).toBe('ok');
  }
  expect((await send('/version')).status).toBe(401);
});

describe('limits', () => {
  it('an oversized body is 413', async () => {
    const object = { ...router('huge'), spec: { ...router('huge').spec, padding: 'x'.repeat(3 * 1024 * 1024) } };
    const reply = await send(routersPath('default'), viaProxy('alice', JSON_BODY, { method: 'POST', body: JSON.stringify(object) }));
    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413 });
  });

  it('a deeply nested body is 400 BadRequest, in JSON and in YAML', async () => {
    const depth = 50_000;
    const json = `{"apiVersion":"bgp.miloapis.com/v1alpha1","kind":"BGPRouter","metadata":{"name":"deep"},"spec":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const reply = await send(routersPath('default'), viaProxy('alice', JSON_BODY, { method: 'POST', body: json }));
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: expect.stringMatching(/nested too deeply/) });
    const yaml = `apiVersion: bgp.miloapis.com/v1alpha1\nkind: BGPRouter\nmetadata: {name: deep}\nspec: {a: ${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const yamlReply = await send(routersPath('default'), viaProxy('alice', { 'Content-Type': 'application/yaml' }, { method: 'POST', body: yaml }));
    expect(yamlReply.status).toBe(400);
    expect(yamlReply.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    // The server is still there.
    expect((await send('/readyz')).status).toBe(200);
  });

  it('a flood beyond --max-mutating-requests-inflight gets 429 with Retry-After, while /readyz, reads and system:masters still get in', async () => {
    // Requests whose bodies have not arrived hold their in-flight slots.
    const held = Array.from({ length: MUTATING_IN_FLIGHT }, (_, i) =>
      holdRequest(server.port, routersPath('flood'), JSON.stringify(router(`held-${i}`)), { ca: servingCa.certPem, ...viaProxy('alice') }),
    );
    const probe = (): Promise<Reply> => send(routersPath('flood'), viaProxy('alice', JSON_BODY, { method: 'POST', body: '{}' }));
    const deadline = Date.now() + 15_000;
    while ((await probe()).status !== 429) {
      if (Date.now() > deadline) throw new Error('the held requests never filled the mutating budget');
    }

    const flood = await Promise.all(Array.from({ length: 20 }, probe));
    expect(flood.map((reply) => reply.status)).toEqual(Array(20).fill(429));
    expect(flood[0]!.headers['retry-after']).toBe('1');
    expect(flood[0]!.body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429, details: { retryAfterSeconds: 1 } });

    expect((await send('/readyz')).status).toBe(200);
    expect((await send(routersPath('default'), viaProxy('alice'))).status).toBe(200);
    // Let in, then refused for what it is: a body without type information.
    const admin = await send(routersPath('flood'), viaProxy('root', { ...JSON_BODY, 'X-Remote-Group': 'system:masters' }, { method: 'POST', body: '{}' }));
    expect(admin.status).toBe(400);

    const finished = await Promise.all(held.map((request) => request.finish()));
    expect(finished.map((reply) => reply.status)).toEqual([201, 201]);
    expect((await create(viaProxy('alice'), 'after-flood', 'flood')).status).toBe(201);
  });
});

it('rotates its serving certificate when the files change: new connections get the new one, no restart', async () => {
  const before = await send('/livez');
  // A watch opened before the rotation shows the process is the same one afterwards.
  const watch = await openWatch(server.port, `${routersPath('rotation')}?watch=true`, { ca: servingCa.certPem, ...viaProxy('alice') });
  expect(watch.status).toBe(200);

  const next = await issue(servingCa, { commonName: 'cosmos-apiserver', usage: 'server', hosts: ['localhost', '127.0.0.1'] });
  expect(next.serialNumber.toLowerCase()).not.toBe(before.serverSerial.toLowerCase());
  // Replaced as tools do it: written aside, then renamed over the old files.
  await writeFile(join(dir, 'tls.key.new'), next.keyPem);
  await writeFile(join(dir, 'tls.crt.new'), next.certPem);
  await rename(join(dir, 'tls.key.new'), join(dir, 'tls.key'));
  await rename(join(dir, 'tls.crt.new'), join(dir, 'tls.crt'));

  const deadline = Date.now() + 20_000;
  let served = before.serverSerial;
  while (served.toLowerCase() !== next.serialNumber.toLowerCase()) {
    if (Date.now() > deadline) throw new Error(`still serving ${served}, expected ${next.serialNumber}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    served = (await send('/livez')).serverSerial;
  }

  expect((await create(viaProxy('alice'), 'after-rotation', 'rotation')).status).toBe(201);
  await watch.until((event) => event.type === 'ADDED' && event.object.metadata.name === 'after-rotation');
  watch.close();
});

// Last: it stops the server.
it('shuts down gracefully on SIGTERM: /readyz fails during the delay, watches end cleanly, the process exits 0 promptly', async () => {
  // Kept alive, as kubectl's connection is: its end of stream must not keep the server waiting.
  const watch = await openWatch(server.port, `${routersPath('default')}?watch=true`, { ca: servingCa.certPem, keepAlive: true, ...viaProxy('alice') });
  expect(watch.status).toBe(200);
  await watch.until((event) => event.type === 'ADDED' && event.object.metadata.name === 'r1');

  stopped = true;
  const started = Date.now();
  const exitCode = server.stop();
  const deadline = Date.now() + SHUTDOWN_DELAY_MS;
  let readyz = await send('/readyz');
  while (readyz.status === 200 && Date.now() < deadline) readyz = await send('/readyz');
  expect(readyz.status).toBe(503);
  expect(readyz.body).toContain('shutting down');
  // Alive all the same, and still serving the watch.
  expect((await send('/livez')).status).toBe(200);
  expect(watch.events.length).toBeGreaterThan(0);

  expect(await watch.ended).toEqual({ complete: true });
  expect(await exitCode).toBe(0);
  // Well within the 30 s that requests in flight would be granted.
  expect(Date.now() - started).toBeLessThan(SHUTDOWN_DELAY_MS + 10_000);
  watch.close();
});
