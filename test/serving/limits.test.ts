// Limits that keep one client from taking the server down: body size and nesting,
// max-in-flight per request class, the per-request timeout, and connection deadlines
// for slow or idle clients. Everything over real TLS connections.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowAuthenticated } from '../../src/server/auth.js';
import { parseCertificateBundle } from '../../src/server/authentication/certificate-chain.js';
import { ClientCaAuthenticator } from '../../src/server/authentication/client-ca.js';
import { checkNesting, MAX_NESTING_DEPTH } from '../../src/server/serving/nesting.js';
import { ServingCertificate, staticCaBundle } from '../../src/server/serving/serving-certificate.js';
import { createCa, issue, type TestCertificate } from '../auth/certificates.js';
import { call, startHarness, type ClientOptions, type Harness } from '../auth/harness.js';

let dir: string;
let ca: TestCertificate;
let tester: TestCertificate;
let admin: TestCertificate;
let serving: ServingCertificate;
let harness: Harness;

const LIMITS = { readOnly: 4, mutating: 2 };
const TIMEOUT_MS = 1_500;

const as = (cert: TestCertificate, options: Omit<ClientOptions, 'ca' | 'cert' | 'key'> = {}): ClientOptions => ({
  ca: ca.certPem,
  cert: cert.certPem,
  key: cert.keyPem,
  ...options,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosmos-limits-'));
  ca = await createCa('limits-ca');
  const servingCert = await issue(ca, { commonName: 'cosmos-apiserver', usage: 'server', hosts: ['localhost', '127.0.0.1'] });
  tester = await issue(ca, { commonName: 'tester', organizations: ['dev'] });
  admin = await issue(ca, { commonName: 'root', organizations: ['system:masters'] });
  await writeFile(join(dir, 'tls.crt'), servingCert.certPem);
  await writeFile(join(dir, 'tls.key'), servingCert.keyPem);
  serving = await ServingCertificate.load({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), clientCAs: staticCaBundle([ca.certPem]) });
  const roots = parseCertificateBundle(ca.certPem);
  harness = await startHarness({
    authenticator: new ClientCaAuthenticator(() => roots),
    authorizer: allowAuthenticated,
    serving,
    inFlight: LIMITS,
    requestTimeoutMs: TIMEOUT_MS,
  });
});

afterAll(async () => {
  await harness?.close();
  serving?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('request bodies', () => {
  it('an oversized body is 413', async () => {
    const body = JSON.stringify({ data: 'x'.repeat(3 * 1024 * 1024) });
    const reply = await call(harness.port, '/body', as(tester, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } }));
    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413 });
  });

  it('deep nesting is 400 BadRequest, in JSON and in YAML; ordinary nesting passes', async () => {
    const deepJson = '['.repeat(100_000) + ']'.repeat(100_000);
    const json = await call(harness.port, '/body', as(tester, { method: 'POST', body: deepJson, headers: { 'Content-Type': 'application/json' } }));
    expect(json.status).toBe(400);
    expect(json.body).toMatchObject({ reason: 'BadRequest', message: `the object is nested too deeply: more than ${MAX_NESTING_DEPTH} levels` });

    const deepYaml = 'a: ' + '['.repeat(5_000) + ']'.repeat(5_000);
    const yaml = await call(harness.port, '/body', as(tester, { method: 'POST', body: deepYaml, headers: { 'Content-Type': 'application/yaml' } }));
    expect(yaml.status).toBe(400);

    const ordinary = { spec: { a: { b: { c: [{ d: [1, 2, { e: 'f' }] }] } } } };
    expect((await call(harness.port, '/body', as(tester, { method: 'POST', body: JSON.stringify(ordinary), headers: { 'Content-Type': 'application/json' } }))).status).toBe(201);
  });

  it('checkNesting draws the line exactly at its depth, without recursion', () => {
    const nested = (depth: number): unknown => {
      let value: unknown = 'leaf';
      for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { v: value };
      return value;
    };
    expect(() => checkNesting(nested(10), 10)).not.toThrow();
    expect(() => checkNesting(nested(11), 10)).toThrow(/nested too deeply: more than 10 levels/);
    expect(() => checkNesting(nested(1_000_000))).toThrow(/nested too deeply/);
  });
});

describe('max in flight', () => {
  /** Resolves once `count` of the requests have been answered. */
  const settled = async (requests: Promise<unknown>[], count: number): Promise<void> => {
    let done = 0;
    for (const request of requests) void request.then(() => done++);
    const deadline = Date.now() + 15_000;
    while (done < count) {
      if (Date.now() > deadline) throw new Error(`only ${done} of ${count} requests were answered`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('turns requests past the limit away with 429 and Retry-After, while /readyz, watches and admins still get in', async () => {
    const slow = Array.from({ length: LIMITS.readOnly + 6 }, () => call(harness.port, '/slow', as(tester)));
    // The ones turned away answer at once; the others wait in the handler.
    await settled(slow, 6);
    // While the read-only budget is spent:
    const readyz = await call(harness.port, '/readyz', { ca: ca.certPem });
    expect(readyz.status).toBe(200);
    const watch = await call(harness.port, '/apis/bgp.miloapis.com/v1alpha1/bgprouters?watch=true', as(tester));
    expect(watch.status).toBe(200);
    const byAdmin = await call(harness.port, '/apis/bgp.miloapis.com/v1alpha1/bgprouters', as(admin));
    expect(byAdmin.status).toBe(200);
    // The mutating budget is separate.
    const mutating = await call(harness.port, '/anything', as(tester, { method: 'POST' }));
    expect(mutating.status).toBe(200);

    harness.releaseSlow();
    const replies = await Promise.all(slow);
    const tooMany = replies.filter((r) => r.status === 429);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(LIMITS.readOnly);
    expect(tooMany).toHaveLength(6);
    expect(tooMany[0]!.headers['retry-after']).toBe('1');
    expect(tooMany[0]!.body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429, details: { retryAfterSeconds: 1 } });

    // Capacity is back once they finished.
    expect((await call(harness.port, '/anything', as(tester))).status).toBe(200);
  });

  it('limits mutating requests on their own budget', async () => {
    const slow = Array.from({ length: LIMITS.mutating + 2 }, () => call(harness.port, '/slow', as(tester, { method: 'PUT' })));
    await settled(slow, 2);
    expect((await call(harness.port, '/anything', as(tester))).status).toBe(200);
    harness.releaseSlow();
    const statuses = (await Promise.all(slow)).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429]);
  });
});

describe('request timeout', () => {
  it('a request that takes too long is 504 Timeout; a watch is not cut short', async () => {
    const watch = call(harness.port, '/slow?watch=true', as(tester));
    const started = Date.now();
    const reply = await call(harness.port, '/slow', as(tester));
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(reply.status).toBe(504);
    expect(reply.body).toMatchObject({
      kind: 'Status',
      reason: 'Timeout',
      code: 504,
      message: 'Timeout: request did not complete within requested timeout - context deadline exceeded',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    harness.releaseSlow();
    expect((await watch).status).toBe(200);
  });
});

describe('slow and idle clients', () => {
  // A server of its own: deadlines this tight would also cut off the other tests'
  // handshakes whenever this shared machine stalls the event loop for a moment.
  let tight: Harness;
  beforeAll(async () => {
    tight = await startHarness({
      authenticator: { authenticate: async () => null },
      authorizer: allowAuthenticated,
      serving,
      connectionLimits: { handshakeTimeoutMs: 1_000, headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, keepAliveTimeoutMs: 1_000, checkIntervalMs: 100 },
    });
  });
  afterAll(() => tight?.close());

  const closedWithin = (socket: NodeJS.EventEmitter, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });

  it('a client that never finishes the TLS handshake is disconnected', async () => {
    const socket = connectTcp(tight.port, '127.0.0.1');
    socket.on('error', () => {});
    expect(await closedWithin(socket, 3_000)).toBe(true);
  });

  it('a client that never finishes its headers is disconnected', async () => {
    const socket = connectTls({ host: '127.0.0.1', port: tight.port, ca: ca.certPem, servername: 'localhost' });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    socket.write('GET /livez HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    expect(await closedWithin(socket, 3_000)).toBe(true);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
  });

  it('an idle keep-alive connection is closed', async () => {
    const socket = connectTls({ host: '127.0.0.1', port: tight.port, ca: ca.certPem, servername: 'localhost' });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.write('GET /livez HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(await closedWithin(socket, 3_000)).toBe(true);
    expect(answer).toMatch(/^HTTP\/1.1 200/);
  });
});
