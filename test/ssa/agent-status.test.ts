// The agent's status writes are server-side applies under one field manager per node: two
// nodes reporting on one BGPPeer keep each other's router entries, each drops its own by
// no longer sending them, and entries of routers that are gone are deleted.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeconfig } from '../../src/agent/agent.js';
import type { Condition } from '../../src/agent/status/conditions.js';
import type { OwnedStatus, RouterEntry } from '../../src/agent/status/patch.js';
import { StatusWriter, type StatusObject } from '../../src/agent/status/writer.js';
import { OwnWrites } from '../../src/agent/watch/own-writes.js';
import { startApiServer, type RunningApiServer } from '../support/apiserver.js';
import { BGP, peer } from '../server/objects.js';

const NS = 'agents';
const PEER = { kind: 'BGPPeer' as const, namespace: NS, name: 'spine' };
const path = `${BGP}/namespaces/${NS}/bgppeers/spine`;

let server: RunningApiServer;

beforeAll(async () => {
  server = await startApiServer({ backend: 'embedded' });
  const res = await server.request('POST', `${BGP}/namespaces/${NS}/bgppeers`, { body: peer('spine') });
  expect(res.status, res.body).toBe(201);
});
afterAll(async () => {
  await server?.stop();
});

function writerFor(node: string): StatusWriter {
  return new StatusWriter(loadKubeconfig(server.kubeconfig), pino({ level: 'silent' }), `cosmos-agent/${node}`, new OwnWrites());
}

async function current(): Promise<StatusObject & { metadata: { managedFields?: any[] } }> {
  return (await server.request('GET', path)).json();
}

const ready = (reason: string): Condition => ({ type: 'Ready', status: reason === 'Established' ? 'True' : 'False', reason, message: reason, lastTransitionTime: '2025-01-01T00:00:00Z' });
const entry = (routerName: string, sessionState: string): RouterEntry => ({ routerName, sessionState, conditions: [ready(sessionState)] });

function owned(entries: RouterEntry[], remove: string[] = [], sessionState: string | null = 'Established'): OwnedStatus {
  return { fields: { sessionState, observedGeneration: 1 }, conditions: [ready(sessionState ?? 'Idle')], routers: { entries, remove } };
}

const routerNames = (obj: StatusObject): string[] => ((obj.status as { routers?: RouterEntry[] })?.routers ?? []).map((e) => e.routerName).sort();

describe('agent status through server-side apply', () => {
  it('shares one object between nodes, each owning its entries under subresource status', async () => {
    const a = writerFor('node-a');
    const b = writerFor('node-b');
    expect(await a.write(PEER, await current(), owned([entry('a1', 'Established')]))).toBe(true);
    expect(await b.write(PEER, await current(), owned([entry('b1', 'Established'), entry('gone', 'Active')]))).toBe(true);
    let obj = await current();
    expect(routerNames(obj)).toEqual(['a1', 'b1', 'gone']);
    const entryOf = (manager: string) => obj.metadata.managedFields!.find((e) => e.manager === manager && e.subresource === 'status');
    expect(entryOf('cosmos-agent/node-a')).toMatchObject({ operation: 'Apply', subresource: 'status' });
    expect(Object.keys(entryOf('cosmos-agent/node-a').fieldsV1['f:status']['f:routers'])).toEqual(['k:{"routerName":"a1"}']);

    // Nothing changed: nothing written.
    expect(await a.write(PEER, obj, owned([entry('a1', 'Established')]))).toBe(false);

    // node-a's router a1 moves away and router `gone` (node-b's) was deleted: node-a's
    // apply drops a1 itself; `gone` is node-b's entry, removed by a patch.
    const before = a.writes;
    expect(await a.write(PEER, obj, owned([entry('a2', 'Established')], ['a1', 'gone']))).toBe(true);
    expect(a.writes).toBe(before + 2);
    obj = await current();
    expect(routerNames(obj)).toEqual(['a2', 'b1']);

    // node-a stops reporting sessionState; node-b still does, so it stays.
    expect(await a.write(PEER, obj, owned([entry('a2', 'Established')], [], null))).toBe(true);
    obj = await current();
    expect((obj.status as { sessionState?: string }).sessionState).toBe('Established');
    expect(entryOf('cosmos-agent/node-a').fieldsV1['f:status']['f:sessionState']).toBeUndefined();
    expect(routerNames(obj)).toEqual(['a2', 'b1']);
  });
});
