// The command line around the two modes: standalone stays as it was (admin kubeconfig,
// its own CA) and gains what aggregated mode has (a serving certificate reloaded from
// disk, graceful exit); aggregated mode refuses to start without what it cannot work
// without; flag values are checked before anything starts.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueServingCertificate } from '../../src/pki/certificates.js';
import { call } from '../auth/harness.js';
import { find, render } from '../deploy/render.js';
import { router, routersPath } from '../server/objects.js';
import { startApiServer, type RunningApiServer } from '../support/apiserver.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runs the server command to its end (for command lines it must refuse). */
function runCommand(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/apiserver.ts', ...args], { cwd: ROOT, timeout: 60_000 }, (err, _stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
    );
  });
}

describe('standalone mode', () => {
  let server: RunningApiServer;
  let stopped = false;

  beforeAll(async () => {
    server = await startApiServer({ backend: 'embedded', args: ['--max-requests-inflight', '0', '--request-timeout', '1m30s'] });
  });
  afterAll(async () => {
    if (!stopped) await server?.stop();
  });

  it('serves the admin through the kubeconfig it writes, and deletes at once (no garbage collector to wait for)', async () => {
    const created = await server.request('POST', routersPath('default'), { body: router('r1') });
    expect(created.status, created.body).toBe(201);
    const deleted = await server.request('DELETE', routersPath('default', 'r1'), { body: { propagationPolicy: 'Foreground' } });
    expect(deleted.status, deleted.body).toBe(200);
    expect((await server.request('GET', routersPath('default', 'r1'))).status).toBe(404);
  });

  it('reloads its generated serving certificate when the files change, without a restart', async () => {
    const pki = join(server.dataDir, 'pki');
    const ca = { certPem: await readFile(join(pki, 'ca.crt'), 'utf8'), keyPem: await readFile(join(pki, 'ca.key'), 'utf8') };
    const serial = async (): Promise<string> => (await call(server.port, '/livez', { ca: ca.certPem })).serverSerial.toLowerCase();
    const before = await serial();

    const next = await issueServingCertificate(ca, { hosts: ['localhost', '127.0.0.1'] });
    await writeFile(join(pki, 'serving.key.new'), next.keyPem);
    await writeFile(join(pki, 'serving.crt.new'), next.certPem);
    await rename(join(pki, 'serving.key.new'), join(pki, 'serving.key'));
    await rename(join(pki, 'serving.crt.new'), join(pki, 'serving.crt'));
    const expected = new X509Certificate(next.certPem).serialNumber.toLowerCase();
    expect(expected).not.toBe(before);

    const deadline = Date.now() + 20_000;
    while ((await serial()) !== expected) {
      if (Date.now() > deadline) throw new Error('the new serving certificate was never served');
      await new Promise((done) => setTimeout(done, 200));
    }
    expect((await server.request('GET', routersPath('default'))).status).toBe(200);
  });

  it('exits 0 on SIGTERM', async () => {
    stopped = true;
    expect(await server.stop()).toBe(0);
  });
});

describe('refused command lines', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cosmos-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('aggregated mode without a serving certificate: exits 1 saying what is missing, and writes no kubeconfig', async () => {
    const { code, stderr } = await runCommand(['--secure-port', '0', '--data-dir', dir, '--authentication-kubeconfig', join(dir, 'kubeconfig')]);
    expect(code).toBe(1);
    expect(stderr).toContain('aggregated mode needs --tls-cert-file and --tls-private-key-file');
    expect(existsSync(join(dir, 'kubeconfig'))).toBe(false);
  });

  it('takes the command line of deploy/apiserver.yaml: every flag is known, it gets as far as reading the etcd client certificate', async () => {
    const deployment = find(await render(), 'Deployment', 'cosmos-apiserver', 'cosmos-system');
    const args = (deployment.spec.template.spec.containers.find((c: any) => c.name === 'apiserver').args as string[]).map((arg) =>
      arg.startsWith('--data-dir=') ? `--data-dir=${dir}` : arg.startsWith('--secure-port=') ? '--secure-port=0' : arg,
    );
    expect(args).toContain('--etcd-cafile=/etc/cosmos/etcd/ca.crt');
    const { code, stderr } = await runCommand(args);
    expect(code).toBe(1);
    expect(stderr).toMatch(/ENOENT.*\/etc\/cosmos\/etcd\//);
  });

  it('malformed limits and durations, and half an etcd client certificate', async () => {
    const refusals: [string[], string][] = [
      [['--request-timeout', '60'], '--request-timeout: not a positive duration'],
      [['--max-mutating-requests-inflight=-1'], '--max-mutating-requests-inflight: not a whole number'],
      [['--etcd-servers', 'https://127.0.0.1:1', '--etcd-certfile', join(dir, 'client.crt')], '--etcd-certfile and --etcd-keyfile go together'],
    ];
    const results = await Promise.all(refusals.map(([args]) => runCommand(['--secure-port', '0', '--data-dir', dir, ...args])));
    results.forEach(({ code, stderr }, i) => {
      const [args, message] = refusals[i]!;
      expect(code, args.join(' ')).toBe(1);
      expect(stderr, args.join(' ')).toContain(message);
    });
    // Three processes starting at once on a busy 2-core machine.
  }, 120_000);
});
