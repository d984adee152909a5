// Server-side apply over raw HTTPS, as controllers and GitOps tools send it (PATCH with
// application/apply-patch+yaml), and the managedFields every other write leaves behind.
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type HttpResult, type RunningApiServer } from '../support/apiserver.js';
import { BGP, routersPath } from '../server/objects.js';

const API_VERSION = 'bgp.miloapis.com/v1alpha1';
const APPLY = { 'Content-Type': 'application/apply-patch+yaml' };
const MERGE = { 'Content-Type': 'application/merge-patch+json' };

let server: RunningApiServer;

beforeAll(async () => {
  server = await startApiServer({ backend: 'embedded' });
});
afterAll(async () => {
  await server?.stop();
});

interface ApplyOptions {
  force?: boolean;
  dryRun?: boolean;
  subresource?: string;
  query?: string;
}

/** PATCH with an apply configuration (sent as YAML, as kubectl and client-go may). */
function apply(path: string, manager: string | undefined, configuration: unknown, o: ApplyOptions = {}): Promise<HttpResult> {
  const query = new URLSearchParams();
  if (manager !== undefined) query.set('fieldManager', manager);
  if (o.force) query.set('force', 'true');
  if (o.dryRun) query.set('dryRun', 'All');
  const target = `${path}${o.subresource ? `/${o.subresource}` : ''}?${query}${o.query ? `&${o.query}` : ''}`;
  return server.request('PATCH', target, { body: toYaml(configuration), headers: APPLY });
}

function routerConfig(namespace: string, name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: API_VERSION, kind: 'BGPRouter', metadata: { name, namespace, ...metadata }, spec };
}

const fullSpec = (localASN = 65001) => ({
  targetRef: { kind: 'Node', name: 'node-1' },
  localASN,
  routerID: '10.0.0.1',
  roles: ['fabric'],
  addressFamilies: [{ afi: 'ipv4', safi: 'unicast' }],
});

function ok(res: HttpResult, code = 200): any {
  expect(res.status, res.body).toBe(code);
  return res.json();
}

async function get(path: string): Promise<any> {
  return ok(await server.request('GET', path));
}

/** The managedFields entry of `manager` (and operation / subresource), or undefined. */
function entryOf(obj: any, manager: string, operation?: string, subresource?: string): any {
  return (obj.metadata.managedFields ?? []).find(
    (e: any) => e.manager === manager && (!operation || e.operation === operation) && (e.subresource ?? '') === (subresource ?? ''),
  );
}

const managers = (obj: any): string[] => (obj.metadata.managedFields ?? []).map((e: any) => `${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`).sort();

describe('server-side apply', () => {
  it('creates an absent object (201), owning exactly the fields applied', async () => {
    const path = routersPath('create', 'r');
    const created = ok(await apply(path, 'alice', routerConfig('create', 'r', fullSpec())), 201);
    expect(created.spec.localASN).toBe(65001);
    expect(created.metadata.uid).toBeTruthy();
    expect(created.metadata.managedFields).toEqual([
      {
        manager: 'alice',
        operation: 'Apply',
        apiVersion: API_VERSION,
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            'f:addressFamilies': { 'k:{"afi":"ipv4","safi":"unicast"}': { '.': {}, 'f:afi': {}, 'f:safi': {} } },
            'f:localASN': {},
            'f:roles': { 'v:"fabric"': {} },
            'f:routerID': {},
            'f:targetRef': { 'f:kind': {}, 'f:name': {} },
          },
        },
      },
    ]);
    expect(await get(path)).toEqual(created);
    // Applying the same configuration again changes nothing, not even the resourceVersion.
    const again = ok(await apply(path, 'alice', routerConfig('create', 'r', fullSpec())));
    expect(again.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it('lets two managers share an object: disjoint fields, and the same values of one field', async () => {
    const path = routersPath('share', 'r');
    ok(await apply(path, 'alice', routerConfig('share', 'r', fullSpec(), { labels: { owner: 'alice' } })), 201);
    const shared = ok(await apply(path, 'bob', routerConfig('share', 'r', { localASN: 65001 }, { labels: { team: 'net' } })));
    expect(shared.metadata.labels).toEqual({ owner: 'alice', team: 'net' });
    expect(managers(shared)).toEqual(['alice/Apply', 'bob/Apply']);
    expect(entryOf(shared, 'bob').fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { 'f:team': {} } }, 'f:spec': { 'f:localASN': {} } });
    // alice still owns localASN too: co-owned.
    expect(entryOf(shared, 'alice').fieldsV1['f:spec']['f:localASN']).toEqual({});
  });

  it('refuses to change another manager’s field with 409 and one cause per field, and takes it with force', async () => {
    const path = routersPath('conflict', 'r');
    ok(await apply(path, 'alice', routerConfig('conflict', 'r', fullSpec())), 201);
    const refused = await apply(path, 'bob', routerConfig('conflict', 'r', { localASN: 65002, routerID: '10.0.0.2' }));
    expect(refused.status, refused.body).toBe(409);
    const status = refused.json();
    expect(status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 });
    expect(status.message).toBe('Apply failed with 2 conflicts: conflict with "alice":\n- .spec.localASN\n- .spec.routerID');
    expect(status.details.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.localASN' },
      { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.routerID' },
    ]);
    expect((await get(path)).spec.localASN).toBe(65001);

    const forced = ok(await apply(path, 'bob', routerConfig('conflict', 'r', { localASN: 65002 }), { force: true }));
    expect(forced.spec.localASN).toBe(65002);
    expect(entryOf(forced, 'bob').fieldsV1).toEqual({ 'f:spec': { 'f:localASN': {} } });
    expect(entryOf(forced, 'alice').fieldsV1['f:spec']['f:localASN']).toBeUndefined();
    // alice's next apply of her old value conflicts with bob now.
    const back = await apply(path, 'alice', routerConfig('conflict', 'r', fullSpec()));
    expect(back.status).toBe(409);
    expect(back.json().details.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "bob"', field: '.spec.localASN' }]);
  });

  it('conflicts with Update managers too, naming their apiVersion', async () => {
    const path = routersPath('updater', 'r');
    ok(await apply(path, 'alice', routerConfig('updater', 'r', fullSpec())), 201);
    ok(await server.request('PATCH', `${path}?fieldManager=editor`, { body: { spec: { routerID: '10.9.9.9' } }, headers: MERGE }));
    const res = await apply(path, 'alice', routerConfig('updater', 'r', fullSpec()));
    expect(res.status, res.body).toBe(409);
    expect(res.json().message).toBe(`Apply failed with 1 conflict: conflict with "editor" using ${API_VERSION}: .spec.routerID`);
  });

  it('removes fields a manager stops applying, unless another manager owns them', async () => {
    const path = routersPath('removal', 'r');
    ok(await apply(path, 'alice', routerConfig('removal', 'r', fullSpec(), { labels: { a: '1', shared: 'x' } })), 201);
    ok(await apply(path, 'bob', routerConfig('removal', 'r', {}, { labels: { shared: 'x' } })));
    const { roles: _, ...withoutRoles } = fullSpec();
    const after = ok(await apply(path, 'alice', routerConfig('removal', 'r', withoutRoles)));
    expect(after.spec.roles).toBeUndefined();
    // `a` was alice's alone: gone. `shared` is bob's too: kept, and now bob's only.
    expect(after.metadata.labels).toEqual({ shared: 'x' });
    expect(entryOf(after, 'alice').fieldsV1['f:metadata']).toBeUndefined();
    // (bob applied an empty spec: he owns that it exists, nothing in it.)
    expect(entryOf(after, 'bob').fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { 'f:shared': {} } }, 'f:spec': {} });
  });

  it('merges list-map items by key: addressFamilies by afi+safi, policy terms by sequence', async () => {
    const path = routersPath('listmap', 'r');
    ok(await apply(path, 'alice', routerConfig('listmap', 'r', fullSpec())), 201);
    const both = ok(await apply(path, 'bob', routerConfig('listmap', 'r', { addressFamilies: [{ afi: 'ipv6', safi: 'unicast' }] })));
    expect(both.spec.addressFamilies).toEqual([
      { afi: 'ipv4', safi: 'unicast' },
      { afi: 'ipv6', safi: 'unicast' },
    ]);
    expect(entryOf(both, 'bob').fieldsV1['f:spec']['f:addressFamilies']).toEqual({ 'k:{"afi":"ipv6","safi":"unicast"}': { '.': {}, 'f:afi': {}, 'f:safi': {} } });
    // bob drops his family: only his item goes.
    const dropped = ok(await apply(path, 'bob', routerConfig('listmap', 'r', {})));
    expect(dropped.spec.addressFamilies).toEqual([{ afi: 'ipv4', safi: 'unicast' }]);

    const policies = `${BGP}/namespaces/listmap/bgppolicies/p`;
    const policy = (terms: unknown[], extra: Record<string, unknown> = {}) => ({
      apiVersion: API_VERSION,
      kind: 'BGPPolicy',
      metadata: { name: 'p', namespace: 'listmap' },
      spec: { ...extra, terms },
    });
    const deny = { sequence: 100, action: 'deny', match: { any: true } };
    const permit = { sequence: 10, action: 'permit', match: { prefixList: ['10.0.0.0/8'] } };
    ok(await apply(policies, 'security', policy([deny], { direction: 'import', routerRef: { name: 'r' } })), 201);
    const merged = ok(await apply(policies, 'tenant', policy([permit])));
    expect(merged.spec.terms.map((t: any) => t.sequence)).toEqual([100, 10]);
    expect(entryOf(merged, 'tenant').fieldsV1['f:spec']['f:terms']).toHaveProperty(['k:{"sequence":10}']);
    // Changing the other manager's term is a conflict on that term's field alone.
    const res = await apply(policies, 'tenant', policy([permit, { ...deny, action: 'permit' }]));
    expect(res.status, res.body).toBe(409);
    expect(res.json().details.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "security"', field: '.spec.terms[sequence=100].action' }]);
  });

  it('does nothing under dryRun, for a change and for a create', async () => {
    const path = routersPath('dryrun', 'r');
    const created = ok(await apply(path, 'alice', routerConfig('dryrun', 'r', fullSpec())), 201);
    const dry = ok(await apply(path, 'bob', routerConfig('dryrun', 'r', { localASN: 65009 }), { dryRun: true, force: true }));
    expect(dry.spec.localASN).toBe(65009);
    expect(managers(dry)).toEqual(['alice/Apply', 'bob/Apply']);
    expect(await get(path)).toEqual(created);

    const absent = routersPath('dryrun', 'absent');
    const dryCreate = ok(await apply(absent, 'alice', routerConfig('dryrun', 'absent', fullSpec()), { dryRun: true }), 201);
    expect(dryCreate.metadata.managedFields).toHaveLength(1);
    expect((await server.request('GET', absent)).status).toBe(404);
  });

  it('applies status under the status subresource, one entry per manager, each keeping its conditions', async () => {
    const path = routersPath('status', 'r');
    ok(await apply(path, 'alice', routerConfig('status', 'r', fullSpec())), 201);
    const condition = (type: string) => ({ type, status: 'True', reason: type, message: 'ok', lastTransitionTime: '2025-01-01T00:00:00Z' });
    const statusOf = (conditions: unknown[], extra = {}) => ({ apiVersion: API_VERSION, kind: 'BGPRouter', metadata: { name: 'r', namespace: 'status' }, status: { ...extra, conditions } });

    const first = ok(await apply(path, 'agent-a', statusOf([condition('Ready')], { phase: 'Ready' }), { subresource: 'status' }));
    const second = ok(await apply(path, 'agent-b', statusOf([condition('Degraded')]), { subresource: 'status' }));
    expect(second.status.conditions.map((c: any) => c.type)).toEqual(['Ready', 'Degraded']);
    expect(second.status.phase).toBe('Ready');
    expect(entryOf(second, 'agent-b', 'Apply', 'status')).toMatchObject({
      operation: 'Apply',
      apiVersion: API_VERSION,
      subresource: 'status',
      fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"Degraded"}': { '.': {}, 'f:type': {}, 'f:status': {}, 'f:reason': {}, 'f:message': {}, 'f:lastTransitionTime': {} } } } },
    });
    expect(entryOf(second, 'agent-a', 'Apply', 'status').fieldsV1['f:status']).toHaveProperty(['f:phase']);
    expect(first.metadata.generation).toBe(second.metadata.generation);

    // Status applied to the main resource is not applied (the strategy drops it), nor owned.
    const main = ok(await apply(path, 'alice', { ...routerConfig('status', 'r', fullSpec()), status: { phase: 'Failed' } }));
    expect(main.status.phase).toBe('Ready');
    expect(entryOf(main, 'alice').fieldsV1['f:status']).toBeUndefined();
    // agent-a stops reporting its condition: it goes; agent-b's stays.
    const dropped = ok(await apply(path, 'agent-a', statusOf([], { phase: 'Ready' }), { subresource: 'status' }));
    expect(dropped.status.conditions.map((c: any) => c.type)).toEqual(['Degraded']);
  });

  it('does not create an object through /status', async () => {
    const res = await apply(routersPath('status-create', 'r'), 'agent', routerConfig('status-create', 'r', fullSpec()), { subresource: 'status' });
    expect(res.status, res.body).toBe(404);
  });

  it('stores a write that only changes ownership', async () => {
    const path = routersPath('ownership', 'r');
    const created = ok(await apply(path, 'alice', routerConfig('ownership', 'r', fullSpec())), 201);
    const cosigned = ok(await apply(path, 'bob', routerConfig('ownership', 'r', { localASN: 65001 })));
    expect(cosigned.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
    expect(managers(await get(path))).toEqual(['alice/Apply', 'bob/Apply']);
  });

  it('treats a resourceVersion in the configuration as a precondition', async () => {
    const path = routersPath('precondition', 'r');
    const created = ok(await apply(path, 'alice', routerConfig('precondition', 'r', fullSpec())), 201);
    const fresh = ok(await apply(path, 'alice', routerConfig('precondition', 'r', fullSpec(65005), { resourceVersion: created.metadata.resourceVersion })));
    expect(fresh.spec.localASN).toBe(65005);
    const stale = await apply(path, 'alice', routerConfig('precondition', 'r', fullSpec(65006), { resourceVersion: created.metadata.resourceVersion }));
    expect(stale.status, stale.body).toBe(409);
    expect(stale.json().reason).toBe('Conflict');
  });

  it('checks the request as kube-apiserver does', async () => {
    const path = routersPath('checks', 'r');
    const noManager = await apply(path, undefined, routerConfig('checks', 'r', fullSpec()));
    expect(noManager.status, noManager.body).toBe(422);
    expect(noManager.json()).toMatchObject({
      reason: 'Invalid',
      message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      details: { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason: 'FieldValueRequired', field: 'fieldManager' }] },
    });
    const tooLong = await apply(path, 'm'.repeat(129), routerConfig('checks', 'r', fullSpec()));
    expect(tooLong.status).toBe(422);
    expect(tooLong.json().message).toContain('fieldManager: Too long: may not be more than 128 bytes');
    const unprintable = await apply(path, 'bad\u0007manager', routerConfig('checks', 'r', fullSpec()));
    expect(unprintable.status).toBe(422);
    expect(unprintable.json().message).toContain('invalid character U+0007 (at position 3)');

    ok(await apply(path, 'alice', routerConfig('checks', 'r', fullSpec())), 201);
    const forcedMerge = await server.request('PATCH', `${path}?force=true`, { body: { spec: { localASN: 65002 } }, headers: MERGE });
    expect(forcedMerge.status, forcedMerge.body).toBe(422);
    expect(forcedMerge.json().message).toBe('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
    const createTooLong = await server.request('POST', `${routersPath('checks')}?fieldManager=${'m'.repeat(129)}`, { body: routerConfig('checks', 'other', fullSpec()) });
    expect(createTooLong.status).toBe(422);
    expect(createTooLong.json().details.kind).toBe('CreateOptions');

    const wrongKind = await apply(path, 'alice', { ...routerConfig('checks', 'r', fullSpec()), kind: 'BGPPeer' });
    expect(wrongKind.status).toBe(400);
    const notYaml = await server.request('PATCH', `${path}?fieldManager=alice`, { body: 'spec: [unclosed', headers: APPLY });
    expect(notYaml.status).toBe(400);
    const otherName = await apply(routersPath('checks', 'elsewhere'), 'alice', routerConfig('checks', 'r', fullSpec()));
    expect(otherName.status, otherName.body).toBe(400);
    expect((await server.request('GET', routersPath('checks', 'r'))).status).toBe(200);
  });

  it('prunes unknown fields from the configuration (Warn), so the applier never owns them; Strict refuses them', async () => {
    const path = routersPath('unknown', 'r');
    const config = routerConfig('unknown', 'r', { ...fullSpec(), bogus: 1 });
    const strict = await apply(path, 'alice', config, { query: 'fieldValidation=Strict' });
    expect(strict.status, strict.body).toBe(400);
    expect(strict.json().message).toContain('unknown field "spec.bogus"');
    const warned = await apply(path, 'alice', config);
    expect(warned.status, warned.body).toBe(201);
    expect(String(warned.headers.warning)).toContain('unknown field \\"spec.bogus\\"');
    const obj = warned.json();
    expect(obj.spec.bogus).toBeUndefined();
    expect(entryOf(obj, 'alice').fieldsV1['f:spec']['f:bogus']).toBeUndefined();
  });
});

describe('managedFields of writes other than apply', () => {
  it('records create, update, patch and status writes with operation, manager, apiVersion, time and subresource', async () => {
    const base = routersPath('updates');
    const path = routersPath('updates', 'r');
    const created = ok(await server.request('POST', `${base}?fieldManager=creator`, { body: routerConfig('updates', 'r', fullSpec()) }), 201);
    expect(created.metadata.managedFields).toEqual([
      {
        manager: 'creator',
        operation: 'Update',
        apiVersion: API_VERSION,
        time: expect.stringMatching(/Z$/),
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            '.': {},
            'f:addressFamilies': { '.': {}, 'k:{"afi":"ipv4","safi":"unicast"}': { '.': {}, 'f:afi': {}, 'f:safi': {} } },
            'f:localASN': {},
            'f:roles': { '.': {}, 'v:"fabric"': {} },
            'f:routerID': {},
            'f:targetRef': { '.': {}, 'f:kind': {}, 'f:name': {} },
          },
        },
      },
    ]);

    const updated = ok(await server.request('PUT', `${path}?fieldManager=updater`, { body: { ...created, spec: { ...created.spec, localASN: 65002 } } }));
    expect(managers(updated)).toEqual(['creator/Update', 'updater/Update']);
    expect(entryOf(updated, 'updater').fieldsV1).toEqual({ 'f:spec': { 'f:localASN': {} } });
    expect(entryOf(updated, 'creator').fieldsV1['f:spec']['f:localASN']).toBeUndefined();

    // Without fieldManager, the User-Agent up to its first "/" names the manager.
    const patched = ok(
      await server.request('PATCH', path, { body: { metadata: { labels: { patched: 'yes' } } }, headers: { ...MERGE, 'User-Agent': 'net-operator/v1.2.3 (linux/amd64)' } }),
    );
    expect(entryOf(patched, 'net-operator')).toMatchObject({ operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:patched': {} } } } });

    const jsonPatched = ok(
      await server.request('PATCH', `${path}?fieldManager=jsonpatcher`, {
        body: [{ op: 'replace', path: '/spec/routerID', value: '10.0.0.9' }],
        headers: { 'Content-Type': 'application/json-patch+json' },
      }),
    );
    expect(entryOf(jsonPatched, 'jsonpatcher').fieldsV1).toEqual({ 'f:spec': { 'f:routerID': {} } });

    const status = ok(await server.request('PATCH', `${path}/status?fieldManager=reporter`, { body: { status: { phase: 'Ready' } }, headers: MERGE }));
    expect(entryOf(status, 'reporter', 'Update', 'status')).toMatchObject({
      apiVersion: API_VERSION,
      subresource: 'status',
      fieldsV1: { 'f:status': { '.': {}, 'f:phase': {} } },
    });

    // A write that changes nothing changes no entry (and is not written).
    const same = ok(await server.request('PATCH', `${path}/status?fieldManager=reporter`, { body: { status: { phase: 'Ready' } }, headers: MERGE }));
    expect(same.metadata).toEqual(status.metadata);

    // Clients that do not know about managedFields (a PUT without them) cannot lose them.
    const { managedFields: _, ...metadata } = status.metadata;
    const put = ok(await server.request('PUT', `${path}?fieldManager=updater`, { body: { ...status, metadata, spec: { ...status.spec, localASN: 65003 } } }));
    expect(managers(put)).toEqual(['creator/Update', 'jsonpatcher/Update', 'net-operator/Update', 'reporter/Update/status', 'updater/Update']);
  });
});
