// The REST semantics of the resource verbs over raw HTTPS, as client-go and controllers
// rely on them, on each storage backend.
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type Backend, type HttpResult, type RunningApiServer } from '../support/apiserver.js';
import { BGP, router, routersPath, VPC } from './objects.js';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const PARTIAL = 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io';
const PARTIAL_LIST = 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io';
const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const MERGE = { 'Content-Type': 'application/merge-patch+json' };

function expectStatus(res: HttpResult, code: number, reason: string): any {
  expect(res.status, res.body).toBe(code);
  const status = res.json();
  expect(status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
  expect(typeof status.message).toBe('string');
  return status;
}

describe.each<Backend>(['embedded', 'etcd'])('REST semantics on the %s backend', (backend) => {
  let server: RunningApiServer;

  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => server.request(method, path, { body, headers });
  const create = async (ns: string, obj: unknown): Promise<any> => {
    const res = await api('POST', routersPath(ns), obj);
    expect(res.status, res.body).toBe(201);
    return res.json();
  };
  const get = async (ns: string, name: string): Promise<any> => {
    const res = await api('GET', routersPath(ns, name));
    expect(res.status, res.body).toBe(200);
    return res.json();
  };
  const names = (list: any): string[] => list.items.map((o: any) => o.metadata.name);

  beforeAll(async () => {
    server = await startApiServer({ backend });
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe('writes', () => {
    it('rejects an update with a stale resourceVersion with 409 Conflict', async () => {
      const created = await create('conflict', router('r'));
      const fresh = await api('PUT', routersPath('conflict', 'r'), { ...created, spec: { ...created.spec, localASN: 65002 } });
      expect(fresh.status, fresh.body).toBe(200);
      expect(Number(fresh.json().metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
      const stale = await api('PUT', routersPath('conflict', 'r'), { ...created, spec: { ...created.spec, localASN: 65003 } });
      const status = expectStatus(stale, 409, 'Conflict');
      expect(status.details).toEqual({ name: 'r', group: 'bgp.miloapis.com', kind: 'bgprouters' });
      expect(status.message).toContain('the object has been modified');
      // A patch carrying a stale resourceVersion is a conflict too.
      const patch = await api('PATCH', routersPath('conflict', 'r'), { metadata: { resourceVersion: created.metadata.resourceVersion } }, MERGE);
      expectStatus(patch, 409, 'Conflict');
      expect((await get('conflict', 'r')).spec.localASN).toBe(65002);
    });

    it('rejects a PUT whose uid is not the stored object\'s with 409 Conflict', async () => {
      const created = await create('uid', router('r'));
      const res = await api('PUT', routersPath('uid', 'r'), { ...created, metadata: { ...created.metadata, uid: '00000000-0000-0000-0000-000000000000' } });
      expectStatus(res, 409, 'Conflict');
    });

    it('rejects name and namespace mismatches with 400', async () => {
      await create('mismatch', router('r'));
      expectStatus(await api('POST', routersPath('mismatch'), router('x', { namespace: 'other' })), 400, 'BadRequest');
      expectStatus(await api('PUT', routersPath('mismatch', 'r'), router('not-r')), 400, 'BadRequest');
      expectStatus(await api('PUT', routersPath('mismatch', 'r'), router('r', { namespace: 'other' })), 400, 'BadRequest');
      expectStatus(await api('POST', routersPath('mismatch'), { ...router('k'), kind: 'BGPPeer' }), 400, 'BadRequest');
      expectStatus(await api('POST', routersPath('mismatch'), { ...router('k'), apiVersion: 'bgp.miloapis.com/v1' }), 400, 'BadRequest');
    });

    it('sets uid, creationTimestamp and generation itself', async () => {
      const body = router('server-set');
      body.metadata = { ...body.metadata, uid: 'mine', creationTimestamp: '2001-01-01T00:00:00Z', generation: 42, resourceVersion: '12345' };
      const created = await create('server-set', body);
      expect(created.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Date.now() - Date.parse(created.metadata.creationTimestamp)).toBeLessThan(60_000);
      expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(created.metadata.generation).toBe(1);
      expect(created.metadata.resourceVersion).not.toBe('12345');
      expect(await get('server-set', 'server-set')).toEqual(created);

      const replaced = await api('PUT', routersPath('server-set', 'server-set'), {
        ...created,
        metadata: { ...created.metadata, creationTimestamp: '2001-01-01T00:00:00Z', generation: 42 },
        spec: { ...created.spec, localASN: 65009 },
      });
      expect(replaced.status, replaced.body).toBe(200);
      expect(replaced.json().metadata).toMatchObject({ uid: created.metadata.uid, creationTimestamp: created.metadata.creationTimestamp, generation: 2 });
    });

    it('bumps generation on spec changes only', async () => {
      const created = await create('generation', router('r'));
      const path = routersPath('generation', 'r');
      const labelled = await api('PATCH', path, { metadata: { labels: { a: 'b' }, annotations: { note: 'x' } } }, MERGE);
      expect(labelled.json().metadata.generation).toBe(1);
      const status = await api('PATCH', `${path}/status`, { status: { phase: 'Ready' } }, MERGE);
      expect(status.json().metadata.generation).toBe(1);
      const spec = await api('PATCH', path, { spec: { localASN: 65010 } }, MERGE);
      expect(spec.json().metadata.generation).toBe(2);
      // Writing the same spec again is no change at all: nothing is written.
      const same = await api('PATCH', path, { spec: { localASN: 65010 } }, MERGE);
      expect(same.json().metadata).toMatchObject({ generation: 2, resourceVersion: spec.json().metadata.resourceVersion });
      expect(created.metadata.generation).toBe(1);
    });

    it('never changes status through the main resource, nor anything else through /status', async () => {
      const withStatus = { ...router('split'), status: { phase: 'Ready' } };
      const created = await create('split', withStatus);
      expect(created.status).toBeUndefined();
      const path = routersPath('split', 'split');

      const put = await api('PUT', path, { ...created, status: { phase: 'Ready' }, spec: { ...created.spec, localASN: 65020 } });
      expect(put.status, put.body).toBe(200);
      expect(put.json().status).toBeUndefined();
      expect(put.json().spec.localASN).toBe(65020);

      const current = put.json();
      const statusPut = await api('PUT', `${path}/status`, {
        ...current,
        metadata: { ...current.metadata, labels: { sneaky: 'yes' } },
        spec: { ...current.spec, localASN: 65099 },
        status: { phase: 'Ready' },
      });
      expect(statusPut.status, statusPut.body).toBe(200);
      const after = await get('split', 'split');
      expect(after.status).toEqual({ phase: 'Ready' });
      expect(after.spec.localASN).toBe(65020);
      expect(after.metadata.labels).toBeUndefined();
      expect(after.metadata.generation).toBe(2);

      const mainPatch = await api('PATCH', path, { status: { phase: 'Failed' }, metadata: { labels: { kept: 'yes' } } }, MERGE);
      expect(mainPatch.json().status).toEqual({ phase: 'Ready' });
      expect(mainPatch.json().metadata.labels).toEqual({ kept: 'yes' });
      const statusGet = await api('GET', `${path}/status`);
      expect(statusGet.json()).toMatchObject({ kind: 'BGPRouter', status: { phase: 'Ready' }, metadata: { labels: { kept: 'yes' } } });
    });

    it('generates names from generateName', async () => {
      const body = router('');
      body.metadata = { generateName: 'gen-' };
      const a = await create('generate', body);
      const b = await create('generate', body);
      expect(a.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
      expect(b.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
      expect(a.metadata.name).not.toBe(b.metadata.name);
      expect(a.metadata.generateName).toBe('gen-');
      await get('generate', a.metadata.name);
      const nameless = router('');
      nameless.metadata = {};
      const status = expectStatus(await api('POST', routersPath('generate'), nameless), 422, 'Invalid');
      expect(status.details.causes).toContainEqual(expect.objectContaining({ field: 'metadata.name' }));
    });

    it('writes nothing on dryRun=All', async () => {
      const dry = await api('POST', `${routersPath('dry')}?dryRun=All`, router('r'));
      expect(dry.status, dry.body).toBe(201);
      expect(dry.json().metadata.name).toBe('r');
      expectStatus(await api('GET', routersPath('dry', 'r')), 404, 'NotFound');

      const created = await create('dry', router('r'));
      const path = routersPath('dry', 'r');
      const put = await api('PUT', `${path}?dryRun=All`, { ...created, spec: { ...created.spec, localASN: 65030 } });
      expect(put.status, put.body).toBe(200);
      expect(put.json().spec.localASN).toBe(65030);
      const patch = await api('PATCH', `${path}?dryRun=All`, { spec: { localASN: 65031 } }, MERGE);
      expect(patch.json().spec.localASN).toBe(65031);
      const statusPatch = await api('PATCH', `${path}/status?dryRun=All`, { status: { phase: 'Ready' } }, MERGE);
      expect(statusPatch.json().status.phase).toBe('Ready');
      const del = await api('DELETE', `${path}?dryRun=All`);
      expect(del.status, del.body).toBe(200);
      const delCollection = await api('DELETE', `${routersPath('dry')}?dryRun=All`);
      expect(delCollection.status, delCollection.body).toBe(200);
      expect(await get('dry', 'r')).toEqual(created);
      expectStatus(await api('POST', `${routersPath('dry')}?dryRun=Some`, router('s')), 400, 'BadRequest');
    });

    it('checks delete preconditions', async () => {
      const created = await create('preconditions', router('r'));
      const path = routersPath('preconditions', 'r');
      const wrongUid = await api('DELETE', path, { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-the-uid' } });
      expect(expectStatus(wrongUid, 409, 'Conflict').message).toContain('Precondition failed: UID in precondition: not-the-uid');
      await api('PATCH', path, { metadata: { labels: { moved: 'on' } } }, MERGE);
      const staleRv = await api('DELETE', path, { preconditions: { resourceVersion: created.metadata.resourceVersion } });
      expect(expectStatus(staleRv, 409, 'Conflict').message).toContain('ResourceVersion in precondition');
      const current = await get('preconditions', 'r');
      const ok = await api('DELETE', path, { preconditions: { uid: created.metadata.uid, resourceVersion: current.metadata.resourceVersion } });
      expect(ok.status, ok.body).toBe(200);
      expectStatus(await api('GET', path), 404, 'NotFound');
    });

    it('marks an object held by finalizers for deletion and deletes it with the last one', async () => {
      await create('finalizers', router('held', { finalizers: ['example.com/a', 'example.com/b'] }));
      const path = routersPath('finalizers', 'held');
      const marked = await api('DELETE', path);
      // 200 (not 202) unless the client asked orphanDependents=false, as kube answers.
      expect(marked.status, marked.body).toBe(200);
      const { deletionTimestamp, resourceVersion } = marked.json().metadata;
      expect(deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const again = await api('DELETE', path, { orphanDependents: false });
      expect(again.status).toBe(202);
      expect(again.json().metadata).toMatchObject({ deletionTimestamp, resourceVersion });
      // The mark cannot be taken back.
      const undo = await api('PATCH', path, { metadata: { deletionTimestamp: null, finalizers: ['example.com/b'] } }, MERGE);
      expect(undo.json().metadata).toMatchObject({ deletionTimestamp, finalizers: ['example.com/b'] });
      const last = await api('PATCH', path, { metadata: { finalizers: null } }, MERGE);
      expect(last.status, last.body).toBe(200);
      expectStatus(await api('GET', path), 404, 'NotFound');
    });

    it('deletes a collection by label selector', async () => {
      for (const [name, team] of [['a', 'red'], ['b', 'red'], ['c', 'blue']] as const) await create('collection', router(name, { labels: { team } }));
      const res = await api('DELETE', `${routersPath('collection')}?labelSelector=team%3Dred`);
      expect(res.status, res.body).toBe(200);
      expect(res.json().kind).toBe('BGPRouterList');
      expect(names(res.json()).sort()).toEqual(['a', 'b']);
      expect(names((await api('GET', routersPath('collection'))).json())).toEqual(['c']);
    });

    it('accepts and answers YAML', async () => {
      const res = await api('POST', routersPath('yaml'), toYaml(router('r')), { 'Content-Type': 'application/yaml', Accept: 'application/yaml' });
      expect(res.status, res.body).toBe(201);
      expect(res.headers['content-type']).toBe('application/yaml');
      const obj = parseYaml(res.body);
      expect(obj).toMatchObject({ kind: 'BGPRouter', metadata: { name: 'r', namespace: 'yaml' }, spec: { localASN: 65001 } });
      const list = await api('GET', routersPath('yaml'), undefined, { Accept: 'application/yaml' });
      expect(parseYaml(list.body)).toMatchObject({ kind: 'BGPRouterList', items: [{ metadata: { name: 'r' } }] });
    });
  });

  describe('lists', () => {
    beforeAll(async () => {
      const labels: Record<string, Record<string, string>> = {
        a: { env: 'prod', tier: 'edge' },
        b: { env: 'dev', tier: 'edge' },
        c: { env: 'test' },
        d: { tier: 'core' },
        e: {},
      };
      for (const [name, l] of Object.entries(labels)) await create('selectors', router(name, { labels: l }));
      await create('selectors-2', router('a', { labels: { env: 'prod' } }));
    });

    it('selects by the full label selector grammar', async () => {
      const select = async (selector: string, ns = 'selectors'): Promise<string[]> => {
        const res = await api('GET', `${routersPath(ns)}?labelSelector=${encodeURIComponent(selector)}`);
        expect(res.status, res.body).toBe(200);
        return names(res.json());
      };
      expect(await select('env=prod')).toEqual(['a']);
      expect(await select('env==prod')).toEqual(['a']);
      expect(await select('env!=prod')).toEqual(['b', 'c', 'd', 'e']);
      expect(await select('env in (prod,dev)')).toEqual(['a', 'b']);
      expect(await select('env notin (prod,dev)')).toEqual(['c', 'd', 'e']);
      expect(await select('env')).toEqual(['a', 'b', 'c']);
      expect(await select('!env')).toEqual(['d', 'e']);
      expect(await select('tier,env notin (dev)')).toEqual(['a', 'd']);
      expectStatus(await api('GET', `${routersPath('selectors')}?labelSelector=${encodeURIComponent('env in prod')}`), 400, 'BadRequest');
      const everywhere = await api('GET', `${BGP}/bgprouters?labelSelector=env%3Dprod`);
      // Items come in storage key order, as from kube-apiserver: "selectors-2/" sorts before "selectors/".
      expect(everywhere.json().items.map((o: any) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['selectors-2/a', 'selectors/a']);
    });

    it('selects by metadata.name and metadata.namespace and refuses other fields', async () => {
      const byName = await api('GET', `${BGP}/bgprouters?fieldSelector=metadata.name%3Da`);
      expect(byName.json().items.map((o: any) => o.metadata.namespace)).toEqual(['selectors-2', 'selectors']);
      const byNamespace = await api('GET', `${BGP}/bgprouters?fieldSelector=metadata.namespace%3Dselectors-2`);
      expect(names(byNamespace.json())).toEqual(['a']);
      const notName = await api('GET', `${routersPath('selectors')}?fieldSelector=metadata.name!%3Da`);
      expect(names(notName.json())).toEqual(['b', 'c', 'd', 'e']);
      const status = expectStatus(await api('GET', `${routersPath('selectors')}?fieldSelector=spec.localASN%3D1`), 400, 'BadRequest');
      expect(status.message).toContain('spec.localASN');
    });

    it('pages with limit and continue, counting the remaining items, at one snapshot', async () => {
      const path = routersPath('selectors');
      const first = (await api('GET', `${path}?limit=2`)).json();
      expect(names(first)).toEqual(['a', 'b']);
      expect(first.metadata.remainingItemCount).toBe(3);
      expect(first.metadata.continue).toBeTruthy();
      // A write between pages is not seen by the rest of the list.
      await create('selectors', router('f'));
      const second = (await api('GET', `${path}?limit=2&continue=${encodeURIComponent(first.metadata.continue)}`)).json();
      expect(names(second)).toEqual(['c', 'd']);
      expect(second.metadata.remainingItemCount).toBe(1);
      expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
      const last = (await api('GET', `${path}?limit=2&continue=${encodeURIComponent(second.metadata.continue)}`)).json();
      expect(names(last)).toEqual(['e']);
      expect(last.metadata.continue).toBeUndefined();
      expect(last.metadata.remainingItemCount).toBeUndefined();
      // With a selector the count is unknown, but every page is full.
      const filtered = (await api('GET', `${path}?limit=1&labelSelector=tier`)).json();
      expect(names(filtered)).toEqual(['a']);
      expect(filtered.metadata.remainingItemCount).toBeUndefined();
      const filteredNext = (await api('GET', `${path}?limit=1&labelSelector=tier&continue=${encodeURIComponent(filtered.metadata.continue)}`)).json();
      expect(names(filteredNext)).toEqual(['b']);
      expectStatus(await api('GET', `${path}?limit=2&continue=not-a-token`), 400, 'BadRequest');
      await api('DELETE', routersPath('selectors', 'f'));
    });

    it('honours resourceVersion and resourceVersionMatch', async () => {
      const created = await create('rv', router('r'));
      const updated = (await api('PATCH', routersPath('rv', 'r'), { spec: { localASN: 65040 } }, MERGE)).json();
      const list = (rv: string, match?: string) =>
        api('GET', `${routersPath('rv')}?resourceVersion=${rv}${match ? `&resourceVersionMatch=${match}` : ''}`);

      const exactOld = await list(created.metadata.resourceVersion, 'Exact');
      expect(exactOld.status, exactOld.body).toBe(200);
      expect(exactOld.json().metadata.resourceVersion).toBe(created.metadata.resourceVersion);
      expect(exactOld.json().items[0].spec.localASN).toBe(65001);

      // A first page at N without a match rule is read at exactly N too.
      const pagedOld = await api('GET', `${routersPath('rv')}?resourceVersion=${created.metadata.resourceVersion}&limit=10`);
      expect(pagedOld.json().items[0].spec.localASN).toBe(65001);
      expect(pagedOld.json().metadata.resourceVersion).toBe(created.metadata.resourceVersion);

      const notOlder = (await list(created.metadata.resourceVersion, 'NotOlderThan')).json();
      expect(Number(notOlder.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(updated.metadata.resourceVersion));
      expect(notOlder.items[0].spec.localASN).toBe(65040);
      const legacy = (await list(created.metadata.resourceVersion)).json();
      expect(legacy.items[0].spec.localASN).toBe(65040);
      const any = (await list('0')).json();
      expect(names(any)).toEqual(['r']);
      const consistent = (await api('GET', routersPath('rv'))).json();
      expect(Number(consistent.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(updated.metadata.resourceVersion));

      expectStatus(await list('0', 'Exact'), 400, 'BadRequest');
      expectStatus(await api('GET', `${routersPath('rv')}?resourceVersionMatch=Exact`), 400, 'BadRequest');
      expectStatus(await list('abc'), 400, 'BadRequest');
      const future = String(Number(updated.metadata.resourceVersion) + 1000);
      expect(expectStatus(await list(future, 'NotOlderThan'), 504, 'Timeout').message).toContain('Too large resource version');
      expectStatus(await list(future, 'Exact'), 504, 'Timeout');
    });
  });

  describe('representations', () => {
    beforeAll(async () => {
      await create('tables', router('t1', { routerID: '10.0.0.7' }));
      await api('PATCH', routersPath('tables', 't1', 'status'), { status: { phase: 'Ready' } }, MERGE);
    });

    it('answers Tables with the printer columns, dates as ages, and includeObject', async () => {
      const res = await api('GET', routersPath('tables'), undefined, { Accept: TABLE });
      expect(res.status, res.body).toBe(200);
      expect(res.headers['content-type']).toBe(TABLE);
      const table = res.json();
      expect(table).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
      expect(table.columnDefinitions.map((c: any) => [c.name, c.type, c.priority])).toEqual([
        ['Name', 'string', 0],
        ['TARGET', 'string', 0],
        ['ROLES', 'string', 0],
        ['ASN', 'integer', 0],
        ['ROUTER-ID', 'string', 0],
        ['PHASE', 'string', 0],
        ['AGE', 'date', 0],
      ]);
      expect(table.rows).toHaveLength(1);
      const [name, target, roles, asn, routerId, phase, age] = table.rows[0].cells;
      expect([name, target, roles, asn, routerId, phase]).toEqual(['t1', 'node-1', '["fabric"]', 65001, '10.0.0.7', 'Ready']);
      expect(age).toMatch(/^\d+s$/);
      // The default includeObject is Metadata.
      expect(table.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 't1' } });
      expect(table.rows[0].object.spec).toBeUndefined();

      const none = (await api('GET', `${routersPath('tables')}?includeObject=None`, undefined, { Accept: TABLE })).json();
      expect(none.rows[0].object).toBeUndefined();
      const full = (await api('GET', `${routersPath('tables', 't1')}?includeObject=Object`, undefined, { Accept: TABLE })).json();
      expect(full.rows[0].object).toMatchObject({ kind: 'BGPRouter', spec: { localASN: 65001 } });
      expectStatus(await api('GET', `${routersPath('tables')}?includeObject=All`, undefined, { Accept: TABLE }), 400, 'BadRequest');

      const vpcs = (await api('GET', `${VPC}/vpcs`, undefined, { Accept: TABLE })).json();
      expect(vpcs.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Identifier', 'Ready', 'Networks', 'Age']);
    });

    it('answers PartialObjectMetadata for get, list and watch', async () => {
      const one = await api('GET', routersPath('tables', 't1'), undefined, { Accept: PARTIAL });
      expect(one.headers['content-type']).toBe(PARTIAL);
      expect(one.json()).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 't1', namespace: 'tables' } });
      expect(one.json().spec).toBeUndefined();

      const list = await api('GET', routersPath('tables'), undefined, { Accept: PARTIAL_LIST });
      expect(list.json()).toMatchObject({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', items: [{ kind: 'PartialObjectMetadata', metadata: { name: 't1' } }] });
      expect(list.json().metadata.resourceVersion).toBeTruthy();
      expect(list.json().items[0].spec).toBeUndefined();

      const watch = server.watch(`${routersPath('tables')}?watch=true&resourceVersion=${list.json().metadata.resourceVersion}`, { headers: { Accept: PARTIAL_LIST } });
      try {
        await api('PATCH', routersPath('tables', 't1'), { metadata: { labels: { seen: 'yes' } } }, MERGE);
        await watch.until((events) => events.length > 0);
        expect(watch.status).toBe(200);
        expect(watch.events[0]!.type).toBe('MODIFIED');
        expect(watch.events[0]!.object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 't1', labels: { seen: 'yes' } } });
        expect(watch.events[0]!.object.spec).toBeUndefined();
      } finally {
        watch.close();
      }
    });

    it('falls back to the next acceptable media type and answers 406 when none is', async () => {
      // Protobuf has no v1beta1 Table: the next entry (JSON) is served instead.
      const fallback = await api('GET', routersPath('tables', 't1'), undefined, {
        Accept: 'application/vnd.kubernetes.protobuf;as=Table;v=v1beta1;g=meta.k8s.io, application/json',
      });
      expect(fallback.status).toBe(200);
      expect(fallback.headers['content-type']).toBe('application/json');
      expect(fallback.json().kind).toBe('BGPRouter');
      const tableFallback = await api('GET', routersPath('tables'), undefined, {
        Accept: 'text/html, application/json;as=Table;v=v1;g=meta.k8s.io, application/json',
      });
      expect(tableFallback.json().kind).toBe('Table');
      const notAcceptable = await api('GET', routersPath('tables', 't1'), undefined, { Accept: 'text/html' });
      expectStatus(notAcceptable, 406, 'NotAcceptable');
      const unknownTransform = await api('GET', routersPath('tables', 't1'), undefined, { Accept: 'application/json;as=Unknown;v=v1;g=meta.k8s.io' });
      expectStatus(unknownTransform, 406, 'NotAcceptable');
    });
  });

  describe('request targets', () => {
    it('answers a target no URL parser accepts with 400, and an absolute-form target like its path', async () => {
      const request = (target: string) => server.rawRequest(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      const invalid = await request('http://[');
      expect(invalid.status, invalid.body).toBe(400);
      expect(JSON.parse(invalid.body.replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, ''))).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
      const absolute = await request(`http://localhost${routersPath('targets')}`);
      expect(absolute.status, absolute.body).toBe(200);
      expect(absolute.body).toContain('"kind":"BGPRouterList"');
      expect((await request('/apis/bgp.miloapis.com/v1alpha1/namespaces/%zz/bgprouters')).status).toBe(404);
      // The server is still there for everyone else.
      expect((await api('GET', routersPath('targets'))).status).toBe(200);
    });
  });

  describe('discovery and probes', () => {
    it('serves /api, /apis, /apis/<group> and /apis/<group>/<version>', async () => {
      expect((await api('GET', '/api')).json()).toMatchObject({ kind: 'APIVersions', versions: [] });
      const apis = await api('GET', '/apis');
      expect(apis.headers['content-type']).toMatch(/^application\/json/);
      expect(apis.json()).toMatchObject({
        kind: 'APIGroupList',
        groups: [
          { name: 'bgp.miloapis.com', versions: [{ groupVersion: 'bgp.miloapis.com/v1alpha1', version: 'v1alpha1' }], preferredVersion: { version: 'v1alpha1' } },
          { name: 'vpc.miloapis.com', versions: [{ groupVersion: 'vpc.miloapis.com/v1alpha1' }] },
        ],
      });
      expect((await api('GET', '/apis/bgp.miloapis.com')).json()).toMatchObject({ kind: 'APIGroup', name: 'bgp.miloapis.com', preferredVersion: { groupVersion: 'bgp.miloapis.com/v1alpha1' } });
      expectStatus(await api('GET', '/apis/nope.example.com'), 404, 'NotFound');

      const list = (await api('GET', BGP)).json();
      expect(list).toMatchObject({ kind: 'APIResourceList', groupVersion: 'bgp.miloapis.com/v1alpha1' });
      const routers = list.resources.find((r: any) => r.name === 'bgprouters');
      expect(routers).toMatchObject({
        singularName: 'bgprouter',
        namespaced: true,
        kind: 'BGPRouter',
        shortNames: ['bgpr'],
        categories: ['bgp', 'cosmos'],
      });
      expect([...routers.verbs].sort()).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
      expect(list.resources.find((r: any) => r.name === 'bgprouters/status')).toMatchObject({ kind: 'BGPRouter', verbs: expect.arrayContaining(['get', 'patch', 'update']) });
      const vpcs = (await api('GET', VPC)).json();
      expect(vpcs.resources.map((r: any) => r.name).sort()).toEqual(['vpcattachments', 'vpcattachments/status', 'vpcs', 'vpcs/allocate', 'vpcs/status']);
    });

    it('serves aggregated discovery only when asked, with ETag, Vary and 304', async () => {
      const plain = await api('GET', '/apis', undefined, { Accept: 'application/json' });
      expect(plain.json().kind).toBe('APIGroupList');
      expect(String(plain.headers.vary)).toMatch(/Accept/i);

      const res = await api('GET', '/apis', undefined, { Accept: `${AGGREGATED},application/json` });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('as=APIGroupDiscoveryList');
      expect(String(res.headers.vary)).toMatch(/Accept/i);
      const etag = res.headers.etag as string;
      expect(etag).toBeTruthy();
      const doc = res.json();
      expect(doc).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
      const bgp = doc.items.find((g: any) => g.metadata.name === 'bgp.miloapis.com');
      const routers = bgp.versions[0].resources.find((r: any) => r.resource === 'bgprouters');
      expect(routers).toMatchObject({
        singularResource: 'bgprouter',
        scope: 'Namespaced',
        shortNames: ['bgpr'],
        categories: ['bgp', 'cosmos'],
        responseKind: { group: 'bgp.miloapis.com', version: 'v1alpha1', kind: 'BGPRouter' },
        subresources: [
          { subresource: 'status', verbs: expect.arrayContaining(['get', 'patch', 'update']) },
          { subresource: 'rib', responseKind: { group: 'bgp.miloapis.com', version: 'v1alpha1', kind: 'RIB' }, verbs: ['get'] },
        ],
      });

      const cached = await api('GET', '/apis', undefined, { Accept: AGGREGATED, 'If-None-Match': etag });
      expect(cached.status).toBe(304);
      expect(cached.body).toBe('');
      const stale = await api('GET', '/apis', undefined, { Accept: AGGREGATED, 'If-None-Match': '"other"' });
      expect(stale.status).toBe(200);
      // An ETag for the aggregated document means nothing to the plain one.
      const plainWithEtag = await api('GET', '/apis', undefined, { Accept: 'application/json', 'If-None-Match': etag });
      expect(plainWithEtag.status).toBe(200);
      expect(plainWithEtag.json().kind).toBe('APIGroupList');
    });

    it('answers probes without credentials and everything else with 401', async () => {
      for (const path of ['/healthz', '/livez', '/readyz']) {
        const res = await server.request('GET', path, { anonymous: true });
        expect(res.status, path).toBe(200);
        expect(res.body).toBe('ok');
      }
      for (const path of ['/apis', routersPath('default'), '/version', '/metrics', '/openapi/v2']) {
        expectStatus(await server.request('GET', path, { anonymous: true }), 401, 'Unauthorized');
      }
    });

    it('reports every error as a metav1.Status', async () => {
      const missing = expectStatus(await api('GET', routersPath('errors', 'missing')), 404, 'NotFound');
      expect(missing.details).toEqual({ name: 'missing', group: 'bgp.miloapis.com', kind: 'bgprouters' });
      expect(missing.message).toBe('bgprouters.bgp.miloapis.com "missing" not found');
      await create('errors', router('dup'));
      const dup = expectStatus(await api('POST', routersPath('errors'), router('dup')), 409, 'AlreadyExists');
      expect(dup.details).toEqual({ name: 'dup', group: 'bgp.miloapis.com', kind: 'bgprouters' });
      expectStatus(await api('GET', `${BGP}/nothings`), 404, 'NotFound');
      expectStatus(await api('GET', '/no/such/path'), 404, 'NotFound');
      expectStatus(await api('POST', routersPath('errors'), '{not json'), 400, 'BadRequest');
      expectStatus(await api('PATCH', routersPath('errors', 'dup'), '{}', { 'Content-Type': 'text/plain' }), 415, 'UnsupportedMediaType');
      expectStatus(await api('PATCH', routersPath('errors', 'dup'), '{}', { 'Content-Type': 'application/apply-patch+cbor' }), 415, 'UnsupportedMediaType');
      // Apply needs a field manager: refused as kube refuses invalid PatchOptions.
      expectStatus(await api('PATCH', routersPath('errors', 'dup'), '{}', { 'Content-Type': 'application/apply-patch+yaml' }), 422, 'Invalid');
      expectStatus(await api('POST', routersPath('errors', 'dup')), 405, 'MethodNotAllowed');
      expectStatus(await api('GET', routersPath('errors', 'dup', 'rib-nope')), 404, 'NotFound');
      const invalidPatch = await api('PATCH', routersPath('errors', 'dup'), [{ op: 'test', path: '/spec/localASN', value: 1 }], {
        'Content-Type': 'application/json-patch+json',
      });
      expect(invalidPatch.status).toBeGreaterThanOrEqual(400);
      expect(invalidPatch.status).toBeLessThan(500);
      expect(invalidPatch.json().kind).toBe('Status');
    });

    it('exposes request counts and open watches in /metrics', async () => {
      await api('GET', routersPath('metrics', 'absent'));
      await create('metrics', router('counted'));
      await api('PATCH', routersPath('metrics', 'counted'), { spec: { localASN: 65100 } }, MERGE);
      const watch = server.watch(`${routersPath('metrics')}?watch=true`);
      try {
        await watch.until(() => watch.status === 200);
        const text = (await api('GET', '/metrics')).body;
        const line = (re: RegExp) => text.split('\n').find((l) => re.test(l));
        expect(line(/^apiserver_request_total\{.*verb="GET".*resource="bgprouters".*code="404"/)).toBeDefined();
        // Verbs as kube-apiserver labels them: HTTP methods, LIST and WATCH apart from GET.
        expect(line(/^apiserver_request_total\{.*verb="POST".*resource="bgprouters".*code="201"/)).toBeDefined();
        expect(line(/^apiserver_request_total\{.*verb="PATCH".*resource="bgprouters".*code="200"/)).toBeDefined();
        const gauge = line(/^apiserver_longrunning_requests\{.*verb="WATCH".*resource="bgprouters"/);
        expect(gauge).toBeDefined();
        expect(Number(gauge!.split(' ').pop())).toBeGreaterThanOrEqual(1);
        expect(line(/^apiserver_request_duration_seconds_bucket\{.*verb="GET".*resource="bgprouters"/)).toBeDefined();
      } finally {
        watch.close();
      }
    });
  });

  // Last: it restarts the server with fast compaction.
  it('answers 410 Gone for a continue token from before a compaction', async () => {
    for (const name of ['p1', 'p2', 'p3']) await create('compaction', router(name));
    const first = (await api('GET', `${routersPath('compaction')}?limit=1`)).json();
    expect(first.metadata.continue).toBeTruthy();
    await server.restart({ args: ['--compaction-interval', '200ms'] });
    // Writes after the token's revision let compaction move past it.
    const token = encodeURIComponent(first.metadata.continue);
    let res: HttpResult | undefined;
    for (let i = 0, deadline = Date.now() + 20_000; Date.now() < deadline; i++) {
      await api('PATCH', routersPath('compaction', 'p3'), { metadata: { labels: { tick: String(i) } } }, MERGE);
      res = await api('GET', `${routersPath('compaction')}?limit=1&continue=${token}`);
      if (res.status !== 200) break;
      await sleep(100);
    }
    const status = expectStatus(res!, 410, 'Expired');
    expect(status.message).toContain('continue parameter is too old');
    // A fresh list works.
    expect(names((await api('GET', routersPath('compaction'))).json())).toEqual(['p1', 'p2', 'p3']);
  });
});
