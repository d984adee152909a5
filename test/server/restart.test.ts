// A crash loses nothing that was acknowledged: the server restarts on the same data dir
// (embedded store, certificates) or the same etcd and serves everything as before.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type Backend, type RunningApiServer } from '../support/apiserver.js';
import { startEtcd } from '../support/etcd.js';
import { manifest, router, routersPath, vpc, VPC } from './objects.js';

describe.each<Backend>(['embedded', 'etcd'])('restart on the %s backend', (backend) => {
  let server: RunningApiServer;

  beforeAll(async () => {
    server = await startApiServer({ backend });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves every acknowledged write after a SIGKILL and a restart', async () => {
    const applied = await server.kubectl(['apply', '-f', '-'], {
      input: manifest(router('kept', { namespace: 'durable', labels: { tier: 'edge' } }), vpc('net', { namespace: 'durable' })),
    });
    expect(applied.code, applied.stderr).toBe(0);
    const status = await server.request('PATCH', routersPath('durable', 'kept', 'status'), {
      body: { status: { phase: 'Ready' } },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(status.status, status.body).toBe(200);
    const deleted = await server.kubectl(['delete', 'vpc', 'net', '-n', 'durable']);
    expect(deleted.code, deleted.stderr).toBe(0);
    const last = await server.request('POST', routersPath('durable'), { body: router('last') });
    expect(last.status, last.body).toBe(201);
    const before = (await server.request('GET', routersPath('durable'))).json();
    const kubeconfig = await readFile(server.kubeconfig, 'utf8');

    await server.kill();
    await server.restart();

    // Same certificates and credential: the kubeconfig from before still works.
    expect(await readFile(server.kubeconfig, 'utf8')).toBe(kubeconfig);
    const got = await server.kubectl(['get', 'bgpr', '-n', 'durable', '-o', 'json', '--show-managed-fields']);
    expect(got.code, got.stderr).toBe(0);
    const after = JSON.parse(got.stdout);
    expect(after.items).toEqual(before.items);
    expect(after.items.find((o: any) => o.metadata.name === 'kept')).toMatchObject({ metadata: { labels: { tier: 'edge' } }, status: { phase: 'Ready' } });
    expect((await server.request('GET', `${VPC}/namespaces/durable/vpcs/net`)).status).toBe(404);

    // Revisions continue where they were: a new write is newer than anything before.
    const next = await server.request('PATCH', routersPath('durable', 'last'), {
      body: { spec: { localASN: 65100 } },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(next.status, next.body).toBe(200);
    expect(Number(next.json().metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    expect(next.json().metadata.generation).toBe(2);
  });
});

describe('readiness', () => {
  it('is not ready while etcd is gone, and still live', async () => {
    const etcd = await startEtcd();
    const server = await startApiServer({ backend: 'etcd', etcd });
    try {
      expect((await server.request('GET', '/readyz', { anonymous: true })).status).toBe(200);
      await etcd.stop();
      const ready = await server.request('GET', '/readyz', { anonymous: true });
      expect(ready.status).toBe(503);
      expect(ready.body).toContain('storage');
      expect((await server.request('GET', '/livez', { anonymous: true })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
