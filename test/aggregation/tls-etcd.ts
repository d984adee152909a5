// A real etcd that, as deploy/etcd.yaml runs it, serves clients over TLS only and only
// with a client certificate from its CA; and the files an API server needs to reach it
// (what --etcd-cafile, --etcd-certfile and --etcd-keyfile name).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCa, issue } from '../auth/certificates.js';
import { requireBinary } from '../support/binaries.js';
import { freePort, type RunningEtcd } from '../support/etcd.js';

export interface TlsEtcd extends RunningEtcd {
  client: { caFile: string; certFile: string; keyFile: string };
}

const START_TIMEOUT_MS = 20_000;

export async function startTlsEtcd(): Promise<TlsEtcd> {
  const binary = requireBinary('etcd');
  const dir = await mkdtemp(join(tmpdir(), 'etcd-tls-test-'));
  const ca = await createCa('etcd-ca');
  const server = await issue(ca, { commonName: 'etcd', usage: 'server', hosts: ['127.0.0.1', 'localhost'] });
  const client = await issue(ca, { commonName: 'cosmos-apiserver' });
  const file = async (name: string, pem: string): Promise<string> => {
    await writeFile(join(dir, name), pem, { mode: 0o600 });
    return join(dir, name);
  };
  const files = {
    caFile: await file('ca.crt', ca.certPem),
    serverCert: await file('server.crt', server.certPem),
    serverKey: await file('server.key', server.keyPem),
    certFile: await file('client.crt', client.certPem),
    keyFile: await file('client.key', client.keyPem),
  };
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `https://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    binary,
    [
      '--name', 'test',
      '--data-dir', join(dir, 'data'),
      '--listen-client-urls', endpoint,
      '--advertise-client-urls', endpoint,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `test=${peerUrl}`,
      '--client-cert-auth',
      '--trusted-ca-file', files.caFile,
      '--cert-file', files.serverCert,
      '--key-file', files.serverKey,
      '--logger=zap', '--log-outputs=stderr', '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };

  const healthy = (): Promise<boolean> =>
    new Promise((resolve) => {
      const req = request(`${endpoint}/health`, { ca: ca.certPem, cert: client.certPem, key: client.keyPem, timeout: 1000 }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(res.statusCode === 200 && body.includes('"health":"true"')));
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await healthy())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`etcd with TLS did not become healthy on ${endpoint}:\n${stderr}`);
    }
    await sleep(100);
  }
  return { endpoint, dataDir: join(dir, 'data'), stop, client: { caFile: files.caFile, certFile: files.certFile, keyFile: files.keyFile } };
}
