// The API server as a user meets it: the real kubectl through the generated kubeconfig,
// on each storage backend.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type Backend, type RunningApiServer } from '../support/apiserver.js';
import { manifest, peer, router, routersPath, vpc } from './objects.js';

/** The rows of kubectl's table output, split into columns. */
function rows(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));
}

describe.each<Backend>(['embedded', 'etcd'])('kubectl against the %s backend', (backend) => {
  let server: RunningApiServer;
  let dir: string;

  const kubectl = async (args: string[], input?: string): Promise<string> => {
    const r = await server.kubectl(args, { input });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}\nserver:\n${server.output()}`);
    return r.stdout;
  };
  const getJson = async (args: string[]): Promise<any> => JSON.parse(await kubectl(['get', ...args, '-o', 'json']));

  beforeAll(async () => {
    server = await startApiServer({ backend });
    dir = await mkdtemp(join(tmpdir(), 'kubectl-test-'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('apply -f creates, then updates with a new generation', async () => {
    const file = join(dir, 'apply.yaml');
    await writeFile(file, manifest(router('applied', { namespace: 'apply' })));
    expect(await kubectl(['apply', '-f', file])).toContain('bgprouter.bgp.miloapis.com/applied created');
    const created = await getJson(['bgprouter', 'applied', '-n', 'apply']);
    expect(created.metadata.generation).toBe(1);

    await writeFile(file, manifest(router('applied', { namespace: 'apply', asn: 65100 })));
    expect(await kubectl(['apply', '-f', file])).toContain('bgprouter.bgp.miloapis.com/applied configured');
    const updated = await getJson(['bgprouter', 'applied', '-n', 'apply']);
    expect(updated.spec.localASN).toBe(65100);
    expect(updated.metadata.generation).toBe(2);
    expect(updated.metadata.uid).toBe(created.metadata.uid);
    expect(await kubectl(['apply', '-f', file])).toContain('bgprouter.bgp.miloapis.com/applied unchanged');
  });

  it('gets by plural, singular, short name, qualified name and category', async () => {
    await kubectl(['apply', '-f', '-'], manifest(router('r1', { namespace: 'names' }), peer('p1', { namespace: 'names' }), vpc('v1', { namespace: 'names' })));
    for (const resource of ['bgprouters', 'bgprouter', 'bgpr', 'bgprouters.bgp.miloapis.com', 'BGPRouter']) {
      const out = await kubectl(['get', resource, '-n', 'names', '-o', 'name']);
      expect(out.trim(), resource).toBe('bgprouter.bgp.miloapis.com/r1');
    }
    const bgp = (await kubectl(['get', 'bgp', '-n', 'names', '-o', 'name'])).trim().split('\n').sort();
    expect(bgp).toEqual(['bgppeer.bgp.miloapis.com/p1', 'bgprouter.bgp.miloapis.com/r1']);
    const cosmos = (await kubectl(['get', 'cosmos', '-n', 'names', '-o', 'name'])).trim().split('\n').sort();
    expect(cosmos).toEqual(['bgppeer.bgp.miloapis.com/p1', 'bgprouter.bgp.miloapis.com/r1', 'vpc.vpc.miloapis.com/v1']);
  });

  it('prints the printer columns of each kind', async () => {
    await kubectl(['apply', '-f', '-'], manifest(router('cols', { namespace: 'columns', routerID: '10.1.2.3' }), vpc('net', { namespace: 'columns' })));
    const [header, row] = rows(await kubectl(['get', 'bgpr', '-n', 'columns']));
    expect(header).toEqual(['NAME', 'TARGET', 'ROLES', 'ASN', 'ROUTER-ID', 'PHASE', 'AGE']);
    // PHASE is empty until the agent reports it, so the row has one cell fewer.
    expect(row!.slice(0, 5)).toEqual(['cols', 'node-1', '["fabric"]', '65001', '10.1.2.3']);
    expect(row![5]).toMatch(/^\d+s$/);
    const wide = rows(await kubectl(['get', 'bgpr', '-n', 'columns', '-o', 'wide']));
    expect(wide[0]).toEqual(header);
    const vpcs = rows(await kubectl(['get', 'vpc', '-n', 'columns']));
    expect(vpcs[0]).toEqual(['NAME', 'IDENTIFIER', 'READY', 'AGE']);
    expect(vpcs[1]![0]).toBe('net');
  });

  it('prints yaml, json, jsonpath and custom columns', async () => {
    await kubectl(['apply', '-f', '-'], manifest(router('out', { namespace: 'output', asn: 64512 })));
    const yaml = await kubectl(['get', 'bgpr', 'out', '-n', 'output', '-o', 'yaml']);
    expect(yaml).toContain('kind: BGPRouter');
    expect(yaml).toContain('localASN: 64512');
    const json = await getJson(['bgpr', 'out', '-n', 'output']);
    expect(json).toMatchObject({ kind: 'BGPRouter', metadata: { name: 'out', namespace: 'output' }, spec: { localASN: 64512 } });
    expect(await kubectl(['get', 'bgpr', 'out', '-n', 'output', '-o', 'jsonpath={.spec.localASN}/{.spec.targetRef.name}'])).toBe('64512/node-1');
    const custom = rows(await kubectl(['get', 'bgpr', '-n', 'output', '-o', 'custom-columns=NAME:.metadata.name,ASN:.spec.localASN,AF:.spec.addressFamilies[0].afi']));
    expect(custom).toEqual([
      ['NAME', 'ASN', 'AF'],
      ['out', '64512', 'ipv4'],
    ]);
  });

  it('lists across namespaces with -A and selects with -l and --field-selector', async () => {
    await kubectl(
      ['apply', '-f', '-'],
      manifest(
        router('a', { namespace: 'sel-1', labels: { tier: 'edge' } }),
        router('b', { namespace: 'sel-1', labels: { tier: 'core' } }),
        router('c', { namespace: 'sel-2', labels: { tier: 'edge' } }),
      ),
    );
    const all = rows(await kubectl(['get', 'bgpr', '-A', '-l', 'tier']));
    expect(all[0]!.slice(0, 2)).toEqual(['NAMESPACE', 'NAME']);
    expect(all.slice(1).map((r) => `${r[0]}/${r[1]}`)).toEqual(['sel-1/a', 'sel-1/b', 'sel-2/c']);
    const edge = await kubectl(['get', 'bgpr', '-A', '-l', 'tier=edge', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}']);
    expect(edge.trim()).toBe('sel-1/a sel-2/c');
    const notEdge = await kubectl(['get', 'bgpr', '-n', 'sel-1', '-l', 'tier!=edge', '-o', 'name']);
    expect(notEdge.trim()).toBe('bgprouter.bgp.miloapis.com/b');
    const byName = await kubectl(['get', 'bgpr', '-A', '--field-selector', 'metadata.name=c', '-o', 'name']);
    expect(byName.trim()).toBe('bgprouter.bgp.miloapis.com/c');
    const byNamespace = await kubectl(['get', 'bgpr', '-A', '--field-selector', 'metadata.namespace=sel-2,metadata.name!=x', '-o', 'name']);
    expect(byNamespace.trim()).toBe('bgprouter.bgp.miloapis.com/c');
  });

  it('pages with --chunk-size and still returns every object', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `chunk-${String(i).padStart(2, '0')}`);
    await kubectl(['apply', '-f', '-'], manifest(...names.map((n) => router(n, { namespace: 'chunks' }))));
    const r = await server.kubectl(['get', 'bgpr', '-n', 'chunks', '--chunk-size=2', '-v=6', '-o', 'name']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(names.map((n) => `bgprouter.bgp.miloapis.com/${n}`));
    const requests = r.stderr.split('\n').filter((l) => l.includes('/namespaces/chunks/bgprouters?'));
    expect(requests.length).toBe(5);
    expect(requests.every((l) => l.includes('limit=2'))).toBe(true);
    expect(requests.filter((l) => l.includes('continue=')).length).toBe(4);
  });

  it('get -w sees additions, modifications and deletions', async () => {
    await kubectl(['apply', '-f', '-'], manifest(router('watched', { namespace: 'watching' })));
    const watch = server.kubectlStream(['get', 'bgpr', '-n', 'watching', '-w', '--output-watch-events']);
    try {
      await watch.until((out) => /ADDED\s+watched/.test(out));
      await kubectl(['apply', '-f', '-'], manifest(router('later', { namespace: 'watching' })));
      await watch.until((out) => /ADDED\s+later/.test(out));
      await kubectl(['label', 'bgpr', 'later', '-n', 'watching', 'seen=yes']);
      await watch.until((out) => /MODIFIED\s+later/.test(out));
      await kubectl(['delete', 'bgpr', 'later', '-n', 'watching']);
      await watch.until((out) => /DELETED\s+later/.test(out));
      expect(watch.output()).toMatch(/^EVENT\s+NAME\s+TARGET\s+ROLES\s+ASN\s+ROUTER-ID\s+PHASE\s+AGE/);
    } finally {
      await watch.stop();
    }
  });

  it('describes an object', async () => {
    await kubectl(['apply', '-f', '-'], manifest(router('described', { namespace: 'describe', labels: { tier: 'edge' } })));
    const out = await kubectl(['describe', 'bgpr', 'described', '-n', 'describe']);
    expect(out).toMatch(/^Name:\s+described$/m);
    expect(out).toMatch(/^Namespace:\s+describe$/m);
    expect(out).toMatch(/^Labels:\s+tier=edge$/m);
    expect(out).toMatch(/^Kind:\s+BGPRouter$/m);
    expect(out).toMatch(/^\s+Local ASN:\s+65001$/m);
  });

  it('edits with a non-interactive editor', async () => {
    await kubectl(['apply', '-f', '-'], manifest(router('edited', { namespace: 'edit' })));
    const editor = join(dir, 'editor.sh');
    await writeFile(editor, '#!/bin/sh\nsed -i "s/localASN: 65001/localASN: 65077/" "$1"\n');
    await chmod(editor, 0o755);
    const r = await server.kubectl(['edit', 'bgpr', 'edited', '-n', 'edit'], { env: { KUBE_EDITOR: editor } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('bgprouter.bgp.miloapis.com/edited edited');
    const obj = await getJson(['bgpr', 'edited', '-n', 'edit']);
    expect(obj.spec.localASN).toBe(65077);
    expect(obj.metadata.generation).toBe(2);
  });

  it('patches with merge, JSON and strategic merge patches', async () => {
    await kubectl(['apply', '-f', '-'], manifest(router('patched', { namespace: 'patch' })));
    await kubectl(['patch', 'bgpr', 'patched', '-n', 'patch', '--type', 'merge', '-p', '{"spec":{"routerID":"10.9.9.9"}}']);
    await kubectl(['patch', 'bgpr', 'patched', '-n', 'patch', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/localASN","value":65123}]']);
    await kubectl(['patch', 'bgpr', 'patched', '-n', 'patch', '--type', 'strategic', '-p', '{"metadata":{"labels":{"patched":"strategic"}}}']);
    const obj = await getJson(['bgpr', 'patched', '-n', 'patch']);
    expect(obj.spec).toMatchObject({ routerID: '10.9.9.9', localASN: 65123 });
    expect(obj.metadata.labels).toEqual({ patched: 'strategic' });

    // Strategic merge patch merges map lists by their key (conditions by type; new keys
    // first, as kube orders them); a merge patch would have replaced the list.
    const condition = (type: string) => ({ type, status: 'True', reason: 'Test', message: '', lastTransitionTime: '2025-01-01T00:00:00Z' });
    const status = (c: unknown) => JSON.stringify({ status: { conditions: [c] } });
    await kubectl(['patch', 'bgpr', 'patched', '-n', 'patch', '--subresource', 'status', '--type', 'merge', '-p', status(condition('Ready'))]);
    await kubectl(['patch', 'bgpr', 'patched', '-n', 'patch', '--subresource', 'status', '--type', 'strategic', '-p', status(condition('ConfigApplied'))]);
    const after = await getJson(['bgpr', 'patched', '-n', 'patch']);
    expect(after.status.conditions.map((c: { type: string }) => c.type)).toEqual(['ConfigApplied', 'Ready']);
  });

  it('labels and annotates', async () => {
    await kubectl(['apply', '-f', '-'], manifest(router('tagged', { namespace: 'tags', labels: { old: 'x' } })));
    await kubectl(['label', 'bgpr', 'tagged', '-n', 'tags', 'tier=edge', 'old-']);
    await kubectl(['annotate', 'bgpr', 'tagged', '-n', 'tags', 'note=hello']);
    const r = await server.kubectl(['label', 'bgpr', 'tagged', '-n', 'tags', 'tier=core']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("'tier' already has a value (edge)");
    await kubectl(['label', 'bgpr', 'tagged', '-n', 'tags', 'tier=core', '--overwrite']);
    const obj = await getJson(['bgpr', 'tagged', '-n', 'tags']);
    expect(obj.metadata.labels).toEqual({ tier: 'core' });
    expect(obj.metadata.annotations.note).toBe('hello');
    expect(obj.metadata.generation).toBe(1);
  });

  it('deletes, and a finalizer holds the object until it is removed', async () => {
    await kubectl(['apply', '-f', '-'], manifest(router('plain', { namespace: 'delete' }), router('held', { namespace: 'delete', finalizers: ['example.com/hold'] })));
    expect(await kubectl(['delete', 'bgpr', 'plain', '-n', 'delete'])).toContain('"plain" deleted');
    const gone = await server.kubectl(['get', 'bgpr', 'plain', '-n', 'delete']);
    expect(gone.stderr).toContain('(NotFound)');

    await kubectl(['delete', 'bgpr', 'held', '-n', 'delete', '--wait=false']);
    const held = await getJson(['bgpr', 'held', '-n', 'delete']);
    expect(held.metadata.deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(held.metadata.finalizers).toEqual(['example.com/hold']);

    const waiting = server.kubectlStream(['wait', 'bgpr', 'held', '-n', 'delete', '--for=delete', '--timeout=20s']);
    await kubectl(['patch', 'bgpr', 'held', '-n', 'delete', '--type', 'json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    const waited = await waiting.exited;
    expect(waited.code, waited.stderr).toBe(0);
    expect((await server.kubectl(['get', 'bgpr', 'held', '-n', 'delete'])).stderr).toContain('(NotFound)');
  });

  it('delete --all empties a namespace and leaves others alone', async () => {
    await kubectl(['apply', '-f', '-'], manifest(router('x1', { namespace: 'all-1' }), router('x2', { namespace: 'all-1' }), router('y1', { namespace: 'all-2' })));
    const out = await kubectl(['delete', 'bgpr', '--all', '-n', 'all-1']);
    expect(out).toContain('"x1" deleted');
    expect(out).toContain('"x2" deleted');
    expect((await server.kubectl(['get', 'bgpr', '-n', 'all-1'])).stderr).toContain('No resources found');
    expect((await kubectl(['get', 'bgpr', '-n', 'all-2', '-o', 'name'])).trim()).toBe('bgprouter.bgp.miloapis.com/y1');
  });

  it('wait --for=jsonpath is satisfied by a later status write', async () => {
    await kubectl(['apply', '-f', '-'], manifest(router('awaited', { namespace: 'wait' })));
    const waiting = server.kubectlStream(['wait', 'bgpr', 'awaited', '-n', 'wait', '--for=jsonpath={.status.phase}=Ready', '--timeout=20s']);
    // The wait must still be running: the condition does not hold yet.
    await new Promise((r) => setTimeout(r, 1000));
    expect(waiting.output()).toBe('');
    const res = await server.request('PATCH', routersPath('wait', 'awaited', 'status'), {
      body: { status: { phase: 'Ready' } },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(res.status).toBe(200);
    const waited = await waiting.exited;
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toContain('condition met');
  });

  it('lists the API resources and versions', async () => {
    const [header, ...lines] = rows(await kubectl(['api-resources', '-o', 'wide', '--api-group', 'bgp.miloapis.com']));
    expect(header).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', 'VERBS', 'CATEGORIES']);
    expect(lines).toContainEqual([
      'bgprouters',
      'bgpr',
      'bgp.miloapis.com/v1alpha1',
      'true',
      'BGPRouter',
      'create,delete,deletecollection,get,list,patch,update,watch',
      'bgp,cosmos',
    ]);
    expect(lines.map((l) => l[0]).sort()).toEqual(['bgpadvertisements', 'bgppeers', 'bgppolicies', 'bgprouters', 'bgpvrfinstances']);
    const vpcs = rows(await kubectl(['api-resources', '--api-group', 'vpc.miloapis.com']));
    // VPC kinds have no short names: the column is blank.
    expect(vpcs.slice(1)).toEqual([
      ['vpcattachments', 'vpc.miloapis.com/v1alpha1', 'true', 'VPCAttachment'],
      ['vpcs', 'vpc.miloapis.com/v1alpha1', 'true', 'VPC'],
    ]);
    const versions = (await kubectl(['api-versions'])).trim().split('\n');
    expect(versions).toEqual(['bgp.miloapis.com/v1alpha1', 'vpc.miloapis.com/v1alpha1']);
  });

  it('get --raw reads discovery and the version', async () => {
    const list = JSON.parse(await kubectl(['get', '--raw', '/apis/bgp.miloapis.com/v1alpha1']));
    expect(list.kind).toBe('APIResourceList');
    expect(list.groupVersion).toBe('bgp.miloapis.com/v1alpha1');
    expect(list.resources.map((r: { name: string }) => r.name)).toContain('bgprouters/status');
    const version = JSON.parse(await kubectl(['get', '--raw', '/version']));
    expect(version).toMatchObject({ gitVersion: expect.stringMatching(/^v\d+\.\d+\.\d+/), platform: expect.any(String) });
  });
});
