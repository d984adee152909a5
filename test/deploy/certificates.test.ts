// The certificates deploy/generate-certs.sh makes do their jobs with real parts: the real
// etcd, started with the StatefulSet's own arguments and its Secret laid out as the
// kubelet mounts it, serves the API server's etcd client (the Deployment's flags, its
// Secret) over TLS and refuses clients without a certificate; the serving certificate
// covers the name the aggregator dials; fill-ca-bundle.sh puts its CA into the
// APIServices.
import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { EtcdStorage } from '../../storage/etcd.js';
import { requireBinary } from '../support/binaries.js';
import { freePort } from '../support/etcd.js';
import { find, flags, render, ROOT, type K8sObject } from './render.js';

const run = promisify(execFile);
let dir: string;
let secrets: Map<string, Record<string, string>>;
let objects: K8sObject[];

beforeAll(async () => {
  requireBinary('openssl');
  requireBinary('kubectl');
  dir = await mkdtemp(join(tmpdir(), 'cosmos-deploy-certs-'));
  await run(join(ROOT, 'deploy/generate-certs.sh'), [join(dir, 'out')]);
  const docs = parseAllDocuments(await readFile(join(dir, 'out/secrets.yaml'), 'utf8')).map((d) => d.toJS() as K8sObject);
  secrets = new Map(docs.map((s) => [s.metadata.name, Object.fromEntries(Object.entries(s.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]))]));
  for (const secret of docs) expect(secret.metadata.namespace).toBe('cosmos-system');
  objects = await render();
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * Writes the Secret behind each secret volume of `workload` into a directory, as the
 * kubelet mounts it, and returns how to turn a path in the pod into one on this machine.
 */
async function mountSecrets(workload: K8sObject, containerName: string): Promise<(path: string) => string> {
  const containerSpec = workload.spec.template.spec.containers.find((c: any) => c.name === containerName);
  const mounts: [string, string][] = [];
  for (const mount of containerSpec.volumeMounts) {
    const volume = workload.spec.template.spec.volumes?.find((v: any) => v.name === mount.name);
    if (!volume?.secret) continue;
    const data = secrets.get(volume.secret.secretName);
    if (!data) throw new Error(`generate-certs.sh makes no Secret ${volume.secret.secretName}, which ${workload.metadata.name} mounts`);
    const local = join(dir, 'mounts', workload.metadata.name, mount.name);
    await mkdir(local, { recursive: true });
    for (const [key, value] of Object.entries(data)) await writeFile(join(local, key), value, { mode: 0o600 });
    mounts.push([mount.mountPath, local]);
  }
  return (path) => {
    const mount = mounts.find(([podPath]) => path.startsWith(`${podPath}/`));
    return mount ? mount[1] + path.slice(mount[0].length) : path;
  };
}

it('makes every Secret the manifests mount, with every file their flags name', () => {
  for (const workload of objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind))) {
    const pod = workload.spec.template.spec;
    for (const c of pod.containers) {
      for (const arg of (c.args ?? []) as string[]) {
        const path = /^--[^=]+=(\/.+)$/.exec(arg)?.[1];
        const mount = path && c.volumeMounts?.find((m: any) => path.startsWith(`${m.mountPath}/`));
        const volume = mount && pod.volumes.find((v: any) => v.name === mount.name);
        if (!volume?.secret) continue;
        const secret = secrets.get(volume.secret.secretName);
        expect(secret, `${workload.metadata.name}: Secret ${volume.secret.secretName}`).toBeDefined();
        expect(Object.keys(secret!), `${workload.metadata.name} ${arg}`).toContain(path!.slice(mount.mountPath.length + 1));
      }
    }
  }
});

it('the API server reaches etcd, started as the StatefulSet starts it, over TLS with its client certificate', async () => {
  const etcdSet = find(objects, 'StatefulSet', 'cosmos-etcd', 'cosmos-system');
  const member = etcdSet.spec.template.spec.containers.find((c: any) => c.name === 'etcd');
  const inEtcdPod = await mountSecrets(etcdSet, 'etcd');
  const [clientPort, peerPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = join(dir, 'etcd-data');
  // The manifest's arguments, with this machine's free ports and directories.
  const args = (member.args as string[]).map((arg) =>
    arg
      .replaceAll('$(POD_NAME)', 'cosmos-etcd-0')
      .replace(/0\.0\.0\.0:2379|127\.0\.0\.1:2379/, `127.0.0.1:${clientPort}`)
      .replace(/127\.0\.0\.1:2380/g, `127.0.0.1:${peerPort}`)
      .replace('0.0.0.0:2381', `127.0.0.1:${metricsPort}`)
      .replace(/=(\/.*)$/, (_m, path: string) => `=${path.startsWith('/var/lib/etcd') ? path.replace('/var/lib/etcd', dataDir) : inEtcdPod(path)}`),
  );
  const etcd = spawn(requireBinary('etcd'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  etcd.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stopEtcd = () => etcd.kill('SIGKILL');
  process.once('exit', stopEtcd);
  try {
    const health = `http://127.0.0.1:${metricsPort}${member.readinessProbe.httpGet.path}`;
    const deadline = Date.now() + 20_000;
    while (!(await fetch(health).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline || etcd.exitCode !== null) throw new Error(`etcd did not become healthy:\n${stderr}`);
      await sleep(100);
    }

    const apiserver = find(objects, 'Deployment', 'cosmos-apiserver', 'cosmos-system');
    const inApiserverPod = await mountSecrets(apiserver, 'apiserver');
    const apiserverArgs = flags(apiserver.spec.template.spec.containers.find((c: any) => c.name === 'apiserver').args);
    const file = async (flag: string): Promise<Buffer> => readFile(inApiserverPod(apiserverArgs.get(flag)!));
    const endpoint = `https://127.0.0.1:${clientPort}`;
    const storage = new EtcdStorage({
      endpoints: [endpoint],
      prefix: apiserverArgs.get('etcd-prefix'),
      tls: { ca: await file('etcd-cafile'), cert: await file('etcd-certfile'), key: await file('etcd-keyfile') },
      requestTimeoutMs: 5_000,
    });
    try {
      const created = await storage.create('/check', new TextEncoder().encode('tls works'));
      expect(new TextDecoder().decode((await storage.get('/check'))!.value)).toBe('tls works');
      expect(created.modRevision).toBeGreaterThan(0);
    } finally {
      await storage.close();
    }

    // Without a client certificate etcd turns the client away.
    const anonymous = new EtcdStorage({ endpoints: [endpoint], tls: { ca: await file('etcd-cafile') }, requestTimeoutMs: 3_000 });
    try {
      await expect(anonymous.get('/check')).rejects.toThrow();
    } finally {
      await anonymous.close();
    }

    // The server certificate covers the name the Deployment dials.
    const etcdHost = new URL(apiserverArgs.get('etcd-servers')!).hostname;
    expect(new X509Certificate(secrets.get('cosmos-etcd-server')!['tls.crt']!).checkHost(etcdHost)).toBe(etcdHost);
  } finally {
    process.off('exit', stopEtcd);
    stopEtcd();
  }
});

it('the serving certificate is for the Service the APIServices name, signed by the CA that goes into caBundle', async () => {
  const apiService = find(objects, 'APIService', 'v1alpha1.bgp.miloapis.com');
  const host = `${apiService.spec.service.name}.${apiService.spec.service.namespace}.svc`;
  const serving = new X509Certificate(secrets.get('cosmos-apiserver-serving')!['tls.crt']!);
  expect(serving.checkHost(host, { subject: 'never' })).toBe(host);
  const ca = new X509Certificate(await readFile(join(dir, 'out/serving-ca.crt')));
  expect(serving.checkIssued(ca) && serving.verify(ca.publicKey)).toBe(true);
});

it('the RIB endpoint and the API server trust each other: each side\'s certificate chains to the CA the other holds', () => {
  const agent = secrets.get('cosmos-agent-rib')!;
  const client = secrets.get('cosmos-apiserver-rib-client')!;
  const chainsTo = (certPem: string, caPem: string): boolean => {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  };
  expect(chainsTo(agent['tls.crt']!, client['ca.crt']!)).toBe(true);
  expect(chainsTo(client['tls.crt']!, agent['ca.crt']!)).toBe(true);
  expect(new X509Certificate(client['tls.crt']!).keyUsage).toContain('1.3.6.1.5.5.7.3.2');
});

it('fill-ca-bundle.sh writes the serving CA into every APIService', async () => {
  // A copy of the two directories, so the repository's manifests keep their placeholder.
  const copy = join(dir, 'repo');
  await cp(join(ROOT, 'apiservice'), join(copy, 'apiservice'), { recursive: true });
  await cp(join(ROOT, 'deploy'), join(copy, 'deploy'), { recursive: true });
  const caFile = join(dir, 'out/serving-ca.crt');
  await run(join(copy, 'apiservice/fill-ca-bundle.sh'), [caFile]);
  const apiServices = (await render(join(copy, 'deploy'))).filter((o) => o.kind === 'APIService');
  expect(apiServices).toHaveLength(2);
  const caPem = await readFile(caFile, 'utf8');
  for (const apiService of apiServices) expect(Buffer.from(apiService.spec.caBundle, 'base64').toString('utf8')).toBe(caPem);

  // Not a certificate: refused, manifests untouched.
  await expect(run(join(copy, 'apiservice/fill-ca-bundle.sh'), [join(dir, 'out/serving.key')])).rejects.toThrow(/not a PEM certificate/);
  const again = (await render(join(copy, 'deploy'))).filter((o) => o.kind === 'APIService');
  for (const apiService of again) expect(Buffer.from(apiService.spec.caBundle, 'base64').toString('utf8')).toBe(caPem);
});

it('the repository keeps the placeholder, which no API server would accept as base64', async () => {
  for (const apiService of objects.filter((o) => o.kind === 'APIService')) expect(apiService.spec.caBundle).toBe('CA_BUNDLE_PLACEHOLDER');
});
