// Aggregated mode end to end over real TLS: the front proxy, client certificates and
// bearer tokens authenticate as kube-apiserver's delegating authenticator does, and
// SubjectAccessReview decides. The core API server is a local STAND-IN (see
// core-apiserver-stand-in.ts): no kube-apiserver binary can be had on these machines.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { IncomingMessage } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TokenReviewAuthenticator } from '../../src/server/authentication/token-review.js';
import { DELEGATION_FLAG_OPTIONS, delegationFlags } from '../../src/server/delegation/flags.js';
import { startDelegation, type Delegation } from '../../src/server/delegation/delegation.js';
import { ServingCertificate } from '../../src/server/serving/serving-certificate.js';
import { createCa, issue, type TestCertificate } from './certificates.js';
import { startCoreApiServerStandIn, type CoreApiServerStandIn } from './core-apiserver-stand-in.js';
import { acceptableClientCaNames, call, startHarness, type ClientOptions, type Harness, type Reply } from './harness.js';

const ROUTER = '/apis/bgp.miloapis.com/v1alpha1/namespaces/default/bgprouters/r1';
const DAY = 24 * 60 * 60_000;

let dir: string;
let servingCa: TestCertificate;
let frontProxyCa: TestCertificate;
let clientCa: TestCertificate;
let proxy: TestCertificate;
let standIn: CoreApiServerStandIn;
let delegation: Delegation;
let serving: ServingCertificate;
let harness: Harness;
const backgroundErrors: string[] = [];

function authenticationConfigMap(requestHeaderCa: TestCertificate, allowedNames: string[]): Record<string, string> {
  return {
    'client-ca-file': clientCa.certPem,
    'requestheader-client-ca-file': requestHeaderCa.certPem,
    'requestheader-allowed-names': JSON.stringify(allowedNames),
    'requestheader-username-headers': '["X-Remote-User"]',
    'requestheader-uid-headers': '["X-Remote-Uid"]',
    'requestheader-group-headers': '["X-Remote-Group"]',
    'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
  };
}

const get = (path: string, options: Omit<ClientOptions, 'ca'> = {}): Promise<Reply> => call(harness.port, path, { ca: servingCa.certPem, ...options });
const as = (cert: TestCertificate, headers: Record<string, string | string[]> = {}) => ({ cert: cert.chainPem, key: cert.keyPem, headers });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosmos-auth-'));
  [servingCa, frontProxyCa, clientCa] = await Promise.all([createCa('serving-ca'), createCa('front-proxy-ca'), createCa('client-ca')]);
  proxy = await issue(frontProxyCa, { commonName: 'front-proxy-client' });
  const servingCert = await issue(servingCa, { commonName: 'cosmos-apiserver', usage: 'server', hosts: ['localhost', '127.0.0.1'] });
  await writeFile(join(dir, 'tls.crt'), servingCert.certPem);
  await writeFile(join(dir, 'tls.key'), servingCert.keyPem);

  standIn = await startCoreApiServerStandIn(authenticationConfigMap(frontProxyCa, ['front-proxy-client']));
  standIn.tokens.set('token-of-bob', { username: 'bob', uid: 'uid-bob', groups: ['team-b'] });
  standIn.authorize = (spec) => (spec.user === 'mallory' ? { allowed: false, reason: 'no RBAC policy matched' } : { allowed: true });
  const kubeconfig = join(dir, 'kubeconfig');
  await standIn.writeKubeconfig(kubeconfig);

  // The flags as the command line gets them; no request-header flags, so the ConfigMap decides.
  const { values } = parseArgs({
    args: [
      '--authentication-kubeconfig', kubeconfig,
      '--authorization-kubeconfig', kubeconfig,
      '--tls-cert-file', join(dir, 'tls.crt'),
      '--tls-private-key-file', join(dir, 'tls.key'),
    ],
    options: DELEGATION_FLAG_OPTIONS,
    strict: true,
  });
  delegation = await startDelegation(delegationFlags(values), { onError: (err, what) => backgroundErrors.push(`${what}: ${String(err)}`) });
  serving = await ServingCertificate.load({ ...delegation.tls!, clientCAs: delegation.clientCAs });
  harness = await startHarness({ authenticator: delegation.authenticator, authorizer: delegation.authorizer, serving });
});

afterAll(async () => {
  await harness?.close();
  serving?.close();
  delegation?.close();
  await standIn?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('front proxy (request-header authentication)', () => {
  it('serves a client with the front-proxy certificate as the user its X-Remote-* headers name', async () => {
    const reply = await get(
      ROUTER,
      as(proxy, {
        'X-Remote-User': 'alice',
        'X-Remote-Uid': 'uid-alice',
        'X-Remote-Group': ['dev', 'ops'],
        'X-Remote-Extra-Acme.io%2fTeam': ['blue', 'green'],
        'X-Remote-Extra-Scopes': 'read',
      }),
    );
    expect(reply.status).toBe(200);
    expect(reply.body.user).toEqual({
      name: 'alice',
      uid: 'uid-alice',
      groups: ['dev', 'ops', 'system:authenticated'],
      extra: { 'acme.io/team': ['blue', 'green'], scopes: ['read'] },
    });
    // Nothing after authentication sees the headers.
    expect(reply.body.headers).toEqual({});
  });

  it('ignores the same headers without a client certificate: 401', async () => {
    const reply = await get(ROUTER, { headers: { 'X-Remote-User': 'alice', 'X-Remote-Group': 'system:masters' } });
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('ignores them with a certificate from the front-proxy CA whose CN is not allowed: 401', async () => {
    const rogue = await issue(frontProxyCa, { commonName: 'rogue-proxy' });
    expect((await get(ROUTER, as(rogue, { 'X-Remote-User': 'alice' }))).status).toBe(401);
  });

  it('ignores them with a certificate named like the proxy but from another CA: that client is only itself', async () => {
    const impostor = await issue(clientCa, { commonName: 'front-proxy-client' });
    const reply = await get(ROUTER, as(impostor, { 'X-Remote-User': 'alice', 'X-Remote-Group': 'system:masters', 'X-Remote-Extra-Scopes': 'all' }));
    expect(reply.status).toBe(200);
    expect(reply.body.user).toEqual({ name: 'front-proxy-client', groups: ['system:authenticated'] });
    expect(reply.body.headers).toEqual({});
  });

  it('refuses expired, not-yet-valid, server-only and unknown-CA certificates', async () => {
    const headers = { 'X-Remote-User': 'alice' };
    const expired = await issue(frontProxyCa, { commonName: 'front-proxy-client', notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
    const future = await issue(frontProxyCa, { commonName: 'front-proxy-client', notBefore: new Date(Date.now() + DAY) });
    const serverOnly = await issue(frontProxyCa, { commonName: 'front-proxy-client', usage: 'server' });
    const foreign = await issue(await createCa('front-proxy-ca'), { commonName: 'front-proxy-client' });
    for (const cert of [expired, future, serverOnly, foreign]) expect((await get(ROUTER, as(cert, headers))).status).toBe(401);
  });

  it('without a user header the proxy certificate alone authenticates nobody: 401', async () => {
    expect((await get(ROUTER, as(proxy))).status).toBe(401);
  });
});

describe('client certificates (--client-ca-file)', () => {
  it('authenticate as CN with O as groups, also through an intermediate CA', async () => {
    const alice = await issue(clientCa, { commonName: 'alice', organizations: ['dev'] });
    expect((await get(ROUTER, as(alice))).body.user).toEqual({ name: 'alice', groups: ['dev', 'system:authenticated'] });

    const intermediate = await issue(clientCa, { commonName: 'team-ca', usage: 'ca' });
    const carol = await issue(intermediate, { commonName: 'carol' });
    expect((await get(ROUTER, as(carol))).body.user).toEqual({ name: 'carol', groups: ['system:authenticated'] });
  });
});

describe('bearer tokens (TokenReview)', () => {
  it('authenticate through the core API server, each token reviewed once within the cache TTL', async () => {
    const before = standIn.tokenReviews.length;
    const first = await get(ROUTER, { headers: { Authorization: 'Bearer token-of-bob' } });
    expect(first.status).toBe(200);
    expect(first.body.user).toEqual({ name: 'bob', uid: 'uid-bob', groups: ['team-b', 'system:authenticated'] });
    expect(first.body.headers).toEqual({});
    const second = await get(ROUTER, { headers: { Authorization: 'Bearer token-of-bob' } });
    expect(second.body.user.name).toBe('bob');
    expect(standIn.tokenReviews.length - before).toBe(1);
  });

  it('an unknown token is 401, and the denial is cached too', async () => {
    const before = standIn.tokenReviews.length;
    expect((await get(ROUTER, { headers: { Authorization: 'Bearer made-up' } })).status).toBe(401);
    expect((await get(ROUTER, { headers: { Authorization: 'Bearer made-up' } })).status).toBe(401);
    expect(standIn.tokenReviews.length - before).toBe(1);
  });
});

describe('authorization (SubjectAccessReview)', () => {
  it('asks with the request verb, group, resource, subresource, namespace and name', async () => {
    await get(`${ROUTER}/status`, as(proxy, { 'X-Remote-User': 'dora', 'X-Remote-Group': 'dev' }));
    expect(standIn.accessReviews.at(-1)).toMatchObject({
      user: 'dora',
      groups: ['dev', 'system:authenticated'],
      resourceAttributes: { verb: 'get', group: 'bgp.miloapis.com', version: 'v1alpha1', resource: 'bgprouters', subresource: 'status', namespace: 'default', name: 'r1' },
    });
  });

  it('a denied review is 403 with the message kube-apiserver gives', async () => {
    const reply = await get(ROUTER, as(proxy, { 'X-Remote-User': 'mallory' }));
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'bgprouters.bgp.miloapis.com "r1" is forbidden: User "mallory" cannot get resource "bgprouters" in API group "bgp.miloapis.com" in the namespace "default": no RBAC policy matched',
      reason: 'Forbidden',
      details: { name: 'r1', group: 'bgp.miloapis.com', kind: 'bgprouters' },
      code: 403,
    });
    const list = await get('/apis/bgp.miloapis.com/v1alpha1/bgprouters', as(proxy, { 'X-Remote-User': 'mallory' }));
    expect(list.body.message).toBe(
      'bgprouters.bgp.miloapis.com is forbidden: User "mallory" cannot list resource "bgprouters" in API group "bgp.miloapis.com" at the cluster scope: no RBAC policy matched',
    );
  });

  it('non-resource requests are reviewed by path and verb', async () => {
    const reply = await get('/apis', as(proxy, { 'X-Remote-User': 'mallory' }));
    expect(reply.status).toBe(403);
    expect(reply.body.message).toBe('forbidden: User "mallory" cannot get path "/apis": no RBAC policy matched');
    expect(standIn.accessReviews.at(-1)).toMatchObject({ user: 'mallory', nonResourceAttributes: { path: '/apis', verb: 'get' } });
  });

  it('caches decisions: the same question within the TTL is not asked again', async () => {
    const path = '/apis/vpc.miloapis.com/v1alpha1/namespaces/net/vpcs/v1';
    const before = standIn.accessReviews.length;
    for (const user of ['erin', 'erin', 'mallory', 'mallory']) await get(path, as(proxy, { 'X-Remote-User': user }));
    expect(standIn.accessReviews.length - before).toBe(2);
  });

  it('lets system:masters through without a review', async () => {
    const before = standIn.accessReviews.length;
    const reply = await get(ROUTER, as(proxy, { 'X-Remote-User': 'root', 'X-Remote-Group': 'system:masters' }));
    expect(reply.status).toBe(200);
    expect(standIn.accessReviews.length).toBe(before);
  });
});

describe('when the core API server fails', () => {
  afterEach(() => void (standIn.outage = 'none'));

  it('a failed review is not cached: tokens are 401, authorization is 500, and the next request asks again', async () => {
    standIn.outage = 'error';
    const errorsBefore = backgroundErrors.length;
    expect((await get(ROUTER, { headers: { Authorization: 'Bearer token-of-nobody-yet' } })).status).toBe(401);
    expect(backgroundErrors.length).toBeGreaterThan(errorsBefore);
    const denied = await get('/apis/vpc.miloapis.com/v1alpha1/namespaces/outage/vpcs', as(proxy, { 'X-Remote-User': 'olga' }));
    expect(denied.status).toBe(500);
    expect(denied.body).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });

    standIn.outage = 'none';
    standIn.tokens.set('token-of-nobody-yet', { username: 'nobody' });
    expect((await get(ROUTER, { headers: { Authorization: 'Bearer token-of-nobody-yet' } })).body.user.name).toBe('nobody');
    expect((await get('/apis/vpc.miloapis.com/v1alpha1/namespaces/outage/vpcs', as(proxy, { 'X-Remote-User': 'olga' }))).status).toBe(200);
  });

  it('a review that gets no answer is abandoned after its timeout', async () => {
    standIn.outage = 'hang';
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(join(dir, 'kubeconfig'));
    const failures: unknown[] = [];
    const authenticator = new TokenReviewAuthenticator({ kubeConfig, timeoutMs: 300, onError: (err) => failures.push(err) });
    const started = Date.now();
    const user = await authenticator.authenticate({ headers: { authorization: 'Bearer hanging' } } as IncomingMessage);
    expect(user).toBeNull();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(String(failures[0])).toMatch(/abort|timeout/i);
  });
});

it('asks clients for certificates of either CA, so Go clients (the aggregator) send theirs', async () => {
  expect(await acceptableClientCaNames(harness.port)).toEqual(expect.arrayContaining(['CN = client-ca', 'CN = front-proxy-ca']));
});

it('health probes answer without credentials', async () => {
  expect((await get('/readyz')).status).toBe(200);
  expect((await get('/livez')).body).toBe('ok');
});

it('follows changes of the authentication ConfigMap without a restart', async () => {
  const newProxyCa = await createCa('front-proxy-ca-2');
  const newProxy = await issue(newProxyCa, { commonName: 'front-proxy-2' });
  const headers = { 'X-Remote-User': 'alice' };
  expect((await get(ROUTER, as(newProxy, headers))).status).toBe(401);

  standIn.setAuthenticationConfigMap(authenticationConfigMap(newProxyCa, ['front-proxy-2']));
  const deadline = Date.now() + 10_000;
  while ((await get(ROUTER, as(newProxy, headers))).status !== 200) {
    if (Date.now() > deadline) throw new Error(`the new front proxy was never accepted; background errors: ${backgroundErrors.join('; ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect((await get(ROUTER, as(newProxy, headers))).body.user.name).toBe('alice');
  const advertised = await acceptableClientCaNames(harness.port);
  expect(advertised).toEqual(expect.arrayContaining(['CN = client-ca', 'CN = front-proxy-ca-2']));
  expect(advertised).not.toContain('CN = front-proxy-ca');
  // The old proxy and its CA are no longer trusted.
  expect((await get(ROUTER, as(proxy, headers))).status).toBe(401);
  expect(standIn.configMapWatches).toBeGreaterThan(0);
});

describe('request-header settings from flags', () => {
  let flagDir: string;
  let flagDelegation: Delegation;
  let flagServing: ServingCertificate;
  let flagHarness: Harness;
  let readsBefore: number;

  beforeAll(async () => {
    flagDir = await mkdtemp(join(tmpdir(), 'cosmos-auth-flags-'));
    await writeFile(join(flagDir, 'front-proxy-ca.crt'), frontProxyCa.certPem);
    await writeFile(join(flagDir, 'client-ca.crt'), clientCa.certPem);
    const kubeconfig = join(flagDir, 'kubeconfig');
    await standIn.writeKubeconfig(kubeconfig);
    readsBefore = standIn.configMapReads;
    const { values } = parseArgs({
      args: [
        '--authentication-kubeconfig', kubeconfig,
        '--authorization-kubeconfig', kubeconfig,
        '--client-ca-file', join(flagDir, 'client-ca.crt'),
        '--requestheader-client-ca-file', join(flagDir, 'front-proxy-ca.crt'),
        '--requestheader-allowed-names', 'aggregator,front-proxy-client',
        '--requestheader-username-headers', 'X-Forwarded-User',
        '--requestheader-group-headers', 'X-Forwarded-Group',
        '--requestheader-extra-headers-prefix', 'X-Forwarded-Extra-',
        '--tls-cert-file', join(dir, 'tls.crt'),
        '--tls-private-key-file', join(dir, 'tls.key'),
      ],
      options: DELEGATION_FLAG_OPTIONS,
      strict: true,
    });
    flagDelegation = await startDelegation(delegationFlags(values), { pollIntervalMs: 200 });
    flagServing = await ServingCertificate.load({ ...flagDelegation.tls!, clientCAs: flagDelegation.clientCAs });
    flagHarness = await startHarness({ authenticator: flagDelegation.authenticator, authorizer: flagDelegation.authorizer, serving: flagServing });
  });

  afterAll(async () => {
    await flagHarness?.close();
    flagServing?.close();
    flagDelegation?.close();
    await rm(flagDir, { recursive: true, force: true });
  });

  const flagGet = (options: Omit<ClientOptions, 'ca'>): Promise<Reply> => call(flagHarness.port, ROUTER, { ca: servingCa.certPem, ...options });

  it('uses the configured header names, and strips them as well as the default ones', async () => {
    const reply = await flagGet(as(proxy, { 'X-Forwarded-User': 'frank', 'X-Forwarded-Group': 'ops', 'X-Forwarded-Extra-Reason': 'oncall', 'X-Remote-User': 'alice' }));
    expect(reply.status).toBe(200);
    expect(reply.body.user).toEqual({ name: 'frank', groups: ['ops', 'system:authenticated'], extra: { reason: ['oncall'] } });
    expect(reply.body.headers).toEqual({});
    expect((await flagGet(as(proxy, { 'X-Remote-User': 'alice' }))).status).toBe(401);
  });

  it('does not consult the ConfigMap when the flags name both CAs', () => {
    expect(standIn.configMapReads).toBe(readsBefore);
  });

  it('follows a replaced CA file without a restart', async () => {
    const nextCa = await createCa('front-proxy-ca-next');
    const nextProxy = await issue(nextCa, { commonName: 'aggregator' });
    const headers = { 'X-Forwarded-User': 'frank' };
    expect((await flagGet(as(nextProxy, headers))).status).toBe(401);
    await writeFile(join(flagDir, 'front-proxy-ca.crt'), nextCa.certPem);
    const deadline = Date.now() + 10_000;
    while ((await flagGet(as(nextProxy, headers))).status !== 200) {
      if (Date.now() > deadline) throw new Error('the CA file change was never picked up');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await flagGet(as(proxy, headers))).status).toBe(401);
  });
});
