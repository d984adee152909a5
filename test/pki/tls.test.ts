import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { request, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  STANDALONE_ADMIN,
  ensureCertificateAuthority,
  ensureStandalonePki,
  identityFromCertificate,
  issueClientCertificate,
  type PemKeyPair,
  type StandalonePki,
} from '../../src/pki/certificates.js';
import { writeKubeconfig } from '../../src/pki/kubeconfig.js';

const KUBECTL = '/usr/bin/kubectl';
// In CI a missing kubectl must fail the run (execFile then rejects with ENOENT), never skip.
const skipKubectl = !existsSync(KUBECTL) && process.env.CI !== 'true';

// kubectl prints a Status's message when the server turns it away.
const UNAUTHORIZED = JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
});

let dir: string;
let pki: StandalonePki;
let foreignCa: PemKeyPair;
let server: Server;
let url: string;

// The server side of standalone mode in miniature: it asks for a client certificate,
// lets the handler decide, and names the user the certificate carries.
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosmos-pki-tls-'));
  pki = await ensureStandalonePki(join(dir, 'data'), { hosts: ['127.0.0.1', 'localhost'] });
  foreignCa = await ensureCertificateAuthority(join(dir, 'foreign'), 'foreign-ca');
  server = createServer(
    {
      cert: pki.serving.certPem,
      key: pki.serving.keyPem,
      ca: [pki.ca.certPem],
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const identity = socket.authorized ? identityFromCertificate(socket.getPeerCertificate()) : undefined;
      res.setHeader('content-type', 'application/json');
      if (!identity) {
        res.statusCode = 401;
        res.end(UNAUTHORIZED);
        return;
      }
      res.end(JSON.stringify({ path: req.url, ...identity }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function get(path: string, client?: PemKeyPair): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { ca: pki.ca.certPem, cert: client?.certPem, key: client?.keyPem, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('serving and client certificates over real TLS', () => {
  it('accepts the admin certificate and names its user and group', async () => {
    const response = await get('/whoami', pki.admin);
    expect(response).toEqual({
      status: 200,
      body: { path: '/whoami', user: 'cosmos-admin', groups: ['system:masters'] },
    });
  });

  it('reads every group of a certificate with several organizations', async () => {
    const client = await issueClientCertificate(pki.ca, { commonName: 'alice', organizations: ['dev', 'ops'] });
    const response = await get('/whoami', client);
    expect(response.body).toMatchObject({ user: 'alice', groups: ['dev', 'ops'] });
  });

  it('reads a certificate with no organization as a user without groups', async () => {
    const client = await issueClientCertificate(pki.ca, { commonName: 'bob', organizations: [] });
    const response = await get('/whoami', client);
    expect(response.body).toMatchObject({ user: 'bob', groups: [] });
  });

  it('names nobody when the client sends no certificate', async () => {
    expect((await get('/whoami')).status).toBe(401);
  });

  it('does not authorize a client certificate from another CA', async () => {
    const stranger = await issueClientCertificate(foreignCa, {
      commonName: STANDALONE_ADMIN.user,
      organizations: STANDALONE_ADMIN.groups,
    });
    expect((await get('/whoami', stranger)).status).toBe(401);
  });
});

describe.skipIf(skipKubectl)('kubectl with the generated kubeconfig', () => {
  const run = promisify(execFile);

  async function kubectl(kubeconfig: string, ...args: string[]) {
    // HOME points into the temp dir so kubectl's discovery cache stays out of the real one.
    return run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], {
      env: { PATH: process.env.PATH, HOME: dir },
      timeout: 30_000,
    });
  }

  async function kubeconfigFor(name: string, caPem: string, client: PemKeyPair): Promise<string> {
    const path = join(dir, name);
    await writeKubeconfig(path, {
      clusterName: 'cosmos',
      server: url,
      caPem,
      user: 'cosmos-admin',
      clientCertPem: client.certPem,
      clientKeyPem: client.keyPem,
    });
    return path;
  }

  it('reaches the server, verifying it and being verified by it', async () => {
    const kubeconfig = await kubeconfigFor('kubeconfig', pki.ca.certPem, pki.admin);
    expect((await stat(kubeconfig)).mode & 0o777).toBe(0o600);
    const { stdout } = await kubectl(kubeconfig, 'get', '--raw', '/hello');
    expect(JSON.parse(stdout)).toEqual({ path: '/hello', user: 'cosmos-admin', groups: ['system:masters'] });
  });

  it('rejects the server when the kubeconfig trusts another CA', async () => {
    const kubeconfig = await kubeconfigFor('wrong-ca', foreignCa.certPem, pki.admin);
    await expect(kubectl(kubeconfig, 'get', '--raw', '/hello')).rejects.toThrow(
      /certificate signed by unknown authority/,
    );
  });

  it('is turned away when its client certificate comes from another CA', async () => {
    const stranger = await issueClientCertificate(foreignCa, {
      commonName: STANDALONE_ADMIN.user,
      organizations: STANDALONE_ADMIN.groups,
    });
    const kubeconfig = await kubeconfigFor('stranger', pki.ca.certPem, stranger);
    await expect(kubectl(kubeconfig, 'get', '--raw', '/hello')).rejects.toThrow(
      /You must be logged in to the server \(Unauthorized\)/,
    );
  });
});

describe('writeKubeconfig', () => {
  it('narrows an existing, wider file to owner-only', async () => {
    const path = join(dir, 'widened');
    await writeFile(path, 'old', { mode: 0o644 });
    await writeKubeconfig(path, {
      clusterName: 'cosmos',
      server: url,
      caPem: pki.ca.certPem,
      user: 'cosmos-admin',
      clientCertPem: pki.admin.certPem,
      clientKeyPem: pki.admin.keyPem,
    });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});
