import { describe, expect, it } from 'vitest';
import { buildDesiredState, type Subject } from '../../src/agent/desired/build.js';
import type { NodeObservation, SessionObservation } from '../../src/agent/runtime.js';
import { ownedStatus } from '../../src/agent/status/compute.js';
import { NodeView } from '../../src/agent/status/node-view.js';
import { statusPatch } from '../../src/agent/status/patch.js';
import { renderFrrConfig } from '../../src/agent/frr/render.js';
import { applyStrategicMergePatch } from '../../src/patch/index.js';
import type { PatchSchema } from '../../src/patch/index.js';
import type { ApiSnapshot } from '../../src/agent/watch/caches.js';
import type { BGPPeer } from '../../src/api/types.generated.js';
import { advertisement, peer, policy, router, secretView, snapshot, vrf } from './fixtures.js';

const NODE = 'node-a';
const T0 = new Date('2024-05-01T10:00:00Z');
const later = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

// The status schema as the API server patches it: conditions and routers[] merge by key.
const STATUS_SCHEMA: PatchSchema = {
  properties: {
    status: {
      properties: {
        conditions: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
        routers: {
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['routerName'],
          items: { properties: { conditions: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] } } },
        },
      },
    },
  },
};

interface World {
  snapshot: ApiSnapshot;
  sessions?: Record<string, Partial<SessionObservation>>;
  runtimeError?: string;
  applyError?: string;
  now?: Date;
  originated?: NodeObservation['routers'][number]['originated'];
}

/** One reconcile's status computation, as the agent does it (without entries where the server keeps none). */
function computeAll(world: World, withoutRouterEntries = false): Map<string, { subject: Subject; patch: ReturnType<typeof statusPatch> }> {
  const build = buildDesiredState(world.snapshot, NODE);
  const observation: NodeObservation | undefined = world.runtimeError
    ? undefined
    : {
        routers: build.desired.routers.map((r) => ({
          ref: r.ref,
          sessions: r.peers.map((p) => ({ address: p.address, state: 'Active', prefixesSent: [], ...world.sessions?.[p.ref.name] }) as SessionObservation),
          originated: world.originated ?? [],
        })),
      };
  const view = new NodeView({
    now: world.now ?? T0,
    desired: build.desired,
    // Problems as the agent gets them: its own, then the renderer's.
    problems: [...build.problems, ...renderFrrConfig(build.desired).problems],
    runtimeError: world.runtimeError,
    applyError: world.applyError,
    observation,
    existingRouters: new Set(world.snapshot.routers.map((r) => `${r.metadata.namespace}/${r.metadata.name}`)),
  });
  return new Map(
    build.subjects.map((subject) => [
      `${subject.ref.kind}/${subject.ref.name}`,
      {
        subject,
        patch: statusPatch(subject.object.status as Record<string, unknown> | undefined, {
          ...ownedStatus(subject, view),
          ...(withoutRouterEntries ? { routers: undefined } : {}),
        }),
      },
    ]),
  );
}

/**
 * Applies every patch of a reconcile as the API server would; returns how many objects
 * were written. `withoutRouterEntries`: against a server whose schema has no status.routers.
 */
function writeAll(world: World, opts: { withoutRouterEntries?: boolean } = {}): number {
  let writes = 0;
  for (const { subject, patch } of computeAll(world, opts.withoutRouterEntries).values()) {
    if (!patch) continue;
    writes++;
    subject.object.status = applyStrategicMergePatch({ status: subject.object.status ?? {} }, patch, STATUS_SCHEMA).status as never;
  }
  return writes;
}

function conditionsOf(object: { status?: unknown }): Record<string, string> {
  const conditions = ((object.status as { conditions?: { type: string; status: string; reason: string }[] })?.conditions ?? []);
  return Object.fromEntries(conditions.map((c) => [c.type, `${c.status}/${c.reason}`]));
}

describe('status: no churn', () => {
  it('writes once, then nothing while nothing changes', () => {
    const objects = [router('default', 'r', NODE), peer('default', 'p', { routerRef: 'r' }), advertisement('default', 'adv', 'r')];
    const world: World = { snapshot: snapshot(objects), sessions: { p: { state: 'Established', establishedSince: later(-30) } } };
    expect(writeAll(world)).toBe(3);
    expect(writeAll({ ...world, now: later(1) })).toBe(0);
    expect(writeAll({ ...world, now: later(60) })).toBe(0);
  });

  it('keeps lastTransitionTime while a condition’s status stays, and moves it when it flips', () => {
    const p = peer('default', 'p', { routerRef: 'r' });
    const world: World = { snapshot: snapshot([router('default', 'r', NODE), p]) };
    writeAll({ ...world, sessions: { p: { state: 'Active' } }, now: T0 });
    writeAll({ ...world, sessions: { p: { state: 'OpenSent' } }, now: later(5) });
    const ready = () => (p.status!.conditions ?? []).find((c) => c.type === 'Ready')!;
    expect(ready()).toMatchObject({ status: 'False', reason: 'OpenSent', lastTransitionTime: '2024-05-01T10:00:00Z' });
    writeAll({ ...world, sessions: { p: { state: 'Established', establishedSince: later(9) } }, now: later(10) });
    expect(ready()).toMatchObject({ status: 'True', reason: 'Established', lastTransitionTime: '2024-05-01T10:00:10Z', observedGeneration: 1 });
    expect(p.status).toMatchObject({ sessionState: 'Established', lastEstablishedTime: '2024-05-01T10:00:09Z', observedGeneration: 1 });
  });

  it('does not rewrite lastEstablishedTime for the runtime’s rounding jitter', () => {
    // FRR's established epoch is now minus uptime, truncated: it wobbles by a second.
    for (const withoutRouterEntries of [false, true]) {
      const p = peer('default', 'p', { routerRef: 'r' });
      const world: World = { snapshot: snapshot([router('default', 'r', NODE), p]) };
      const established = (ms: number) => ({ p: { state: 'Established' as const, establishedSince: new Date(T0.getTime() + ms) } });
      expect(writeAll({ ...world, sessions: established(0) }, { withoutRouterEntries })).toBe(2);
      for (const [i, ms] of [1400, 900, 1900, 200].entries()) {
        expect(writeAll({ ...world, sessions: established(ms), now: later(3 + i) }, { withoutRouterEntries })).toBe(0);
      }
      // A new session (after a flap) is a new time.
      expect(writeAll({ ...world, sessions: established(100_000), now: later(101) }, { withoutRouterEntries })).toBe(1);
      expect(p.status?.lastEstablishedTime).toBe('2024-05-01T10:01:40Z');
    }
  });
});

describe('status: BGPRouter', () => {
  it('counts peers and reports Degraded while one is down', () => {
    const r = router('default', 'r', NODE);
    writeAll({
      snapshot: snapshot([r, peer('default', 'up', { routerRef: 'r' }), peer('default', 'down', { routerRef: 'r' }, { address: '10.0.0.3' })]),
      sessions: { up: { state: 'Established' }, down: { state: 'Active' } },
    });
    expect(r.status).toMatchObject({ phase: 'Ready', peers: { total: 2, established: 1 }, observedGeneration: 1 });
    expect(conditionsOf(r)).toEqual({
      Ready: 'True/Ready',
      RuntimeAvailable: 'True/RuntimeAvailable',
      ConfigApplied: 'True/ConfigApplied',
      Degraded: 'True/PeersNotEstablished',
      PeersEstablished: 'False/PeersNotEstablished',
    });
    expect(r.status!.conditions!.find((c) => c.type === 'Degraded')!.message).toBe('1/2 peers not Established: default/down');
  });

  it('fails a router the runtime cannot run beside another, saying why', () => {
    const first = router('default', 'a', NODE, { asn: 65001 });
    const second = router('default', 'b', NODE, { asn: 65002 });
    writeAll({ snapshot: snapshot([first, second]) });
    expect(first.status?.phase).toBe('Ready');
    expect(second.status?.phase).toBe('Failed');
    expect(conditionsOf(second)).toMatchObject({ Ready: 'False/Conflict', ConfigApplied: 'False/Conflict' });
  });

  it('is Pending while the runtime does not answer, Failed when it refuses the configuration', () => {
    const r = router('default', 'r', NODE);
    writeAll({ snapshot: snapshot([r]), runtimeError: 'vtysh: connection refused' });
    expect(r.status?.phase).toBe('Pending');
    expect(conditionsOf(r)).toMatchObject({ Ready: 'False/RuntimeUnavailable', RuntimeAvailable: 'False/RuntimeUnavailable', ConfigApplied: 'False/RuntimeUnavailable' });
    writeAll({ snapshot: snapshot([r]), applyError: '% Unknown command', now: later(1) });
    expect(r.status?.phase).toBe('Failed');
    expect(conditionsOf(r)).toMatchObject({ Ready: 'False/ApplyFailed', RuntimeAvailable: 'True/RuntimeAvailable', ConfigApplied: 'False/ApplyFailed' });
  });
});

describe('status: BGPPeer', () => {
  it('names why an Idle session is down', () => {
    const cases: [Partial<SessionObservation>, string][] = [
      [{ state: 'Idle' }, 'Idle'],
      [{ state: 'Idle', lastResetReason: 'Waiting for NHT' }, 'Idle'],
      [{ state: 'Idle', lastNotification: 'Hold Timer Expired' }, 'HoldTimerExpired'],
      [{ state: 'Idle', lastResetReason: 'Connection refused' }, 'ConnectionRefused'],
      [{ state: 'Idle', lastResetReason: 'Peer closed the session' }, 'BackOff'],
      [{ state: 'Connect' }, 'Connect'],
      [{ state: 'OpenConfirm' }, 'OpenConfirm'],
    ];
    for (const [session, reason] of cases) {
      const p = peer('default', 'p', { routerRef: 'r' });
      writeAll({ snapshot: snapshot([router('default', 'r', NODE), p]), sessions: { p: session } });
      expect(conditionsOf(p).Ready).toBe(`False/${reason}`);
      expect(p.status?.sessionState).toBe(session.state);
    }
  });

  it('is not Accepted, and not Ready, when its Secret cannot be read', () => {
    const p = peer('default', 'p', { routerRef: 'r' }, { authSecretRef: { name: 'md5' } });
    writeAll({ snapshot: snapshot([router('default', 'r', NODE), p], secretView({ unavailable: 'HTTP 404: Not Found' })) });
    expect(conditionsOf(p)).toEqual({ Ready: 'False/SecretNotFound', Accepted: 'False/SecretNotFound' });
    expect(p.status?.sessionState).toBeUndefined();
  });

  it('reports an unbound peer as RouterNotFound', () => {
    const p = peer('default', 'p', { routerRef: 'nope' });
    writeAll({ snapshot: snapshot([router('default', 'r', NODE), p]) });
    expect(conditionsOf(p)).toEqual({ Ready: 'False/RouterNotFound', Accepted: 'False/RouterNotFound' });
  });

  it('keeps one entry per router, leaves other nodes’ entries alone and summarizes them all', () => {
    const fabric = { role: 'fabric' };
    const p = peer('default', 'spine', { routerSelector: { matchLabels: fabric } });
    const objects = [
      router('default', 'a1', NODE, { labels: fabric }),
      router('default', 'a2', NODE, { labels: fabric }),
      router('default', 'b1', 'node-b', { labels: fabric }),
      p,
    ];
    // node-b's agent wrote its entry already; an entry of a deleted router lingers.
    p.status = {
      routers: [
        { routerName: 'b1', sessionState: 'Active', conditions: [{ type: 'Ready', status: 'False', reason: 'Active', message: 'x', lastTransitionTime: '2024-01-01T00:00:00Z' }] },
        { routerName: 'deleted', sessionState: 'Established', conditions: [] },
      ],
    } as unknown as BGPPeer['status'];
    writeAll({ snapshot: snapshot(objects), sessions: { spine: { state: 'Established' } } });
    const entries = (p.status as unknown as { routers: { routerName: string; sessionState: string }[] }).routers;
    expect(entries.map((e) => [e.routerName, e.sessionState]).sort()).toEqual([
      ['a1', 'Established'],
      ['a2', 'Established'],
      ['b1', 'Active'],
    ]);
    // The summary covers all three sessions: the least advanced one.
    expect(p.status?.sessionState).toBe('Active');
    expect(conditionsOf(p).Ready).toBe('False/Active');
    expect(p.status!.conditions!.find((c) => c.type === 'Ready')!.message).toBe('1/3 routers not Ready; b1: x');
  });
});

describe('status: BGPAdvertisement and BGPPolicy', () => {
  it('counts the advertisement’s prefixes in the BGP table and whether a peer receives them', () => {
    const adv = advertisement('default', 'adv', 'r', { prefixes: ['192.0.2.0/24', '198.51.100.0/24'] });
    const world: World = {
      snapshot: snapshot([router('default', 'r', NODE), peer('default', 'p', { routerRef: 'r' }), adv]),
      originated: [{ afi: 'ipv4', safi: 'unicast', prefix: '192.0.2.0/24', source: 'network' }],
    };
    writeAll({ ...world, sessions: { p: { state: 'Active' } } });
    expect(adv.status?.advertisedPrefixes).toBe(1);
    expect(conditionsOf(adv)).toEqual({ Ready: 'True/Originating', Accepted: 'True/ConfigAccepted', Advertised: 'False/NoEstablishedPeers' });
    writeAll({ ...world, sessions: { p: { state: 'Established', prefixesSent: [{ afi: 'ipv4', safi: 'unicast', count: 1 }] } }, now: later(1) });
    expect(conditionsOf(adv).Advertised).toBe('True/Advertised');
  });

  it('reports a policy applied on the routers that use it', () => {
    const pol = policy('default', 'filter', { routerRef: 'r' });
    writeAll({ snapshot: snapshot([router('default', 'r', NODE), pol]) });
    expect(conditionsOf(pol)).toEqual({ Accepted: 'True/ConfigAccepted', PolicyApplied: 'True/Applied', Ready: 'True/Applied' });
    const entries = (pol.status as unknown as { routers: { routerName: string }[] }).routers;
    expect(entries.map((e) => e.routerName)).toEqual(['r']);
  });

  it('reports a VRF instance per router, with the settings it was resolved with', () => {
    const v = vrf('default', 'tenant-a', 'r');
    writeAll({ snapshot: snapshot([router('default', 'r', NODE, { asn: 65010, families: [{ afi: 'l2vpn', safi: 'evpn' }] }), v]) });
    // Nothing tells the node this VRF's VNI yet: the renderer cannot configure it.
    expect(conditionsOf(v)).toEqual({ Accepted: 'False/VNIUnknown', Ready: 'False/VNIUnknown' });
    const entries = (v.status as unknown as { routers: { conditions: unknown[] }[] }).routers;
    expect(entries).toEqual([
      {
        routerName: 'r',
        resolvedConfig: { asNumber: 65010, routerID: '10.0.0.1', addressFamilies: [{ afi: 'l2vpn', safi: 'evpn' }] },
        conditions: [
          expect.objectContaining({ type: 'Accepted', status: 'False', reason: 'VNIUnknown', lastTransitionTime: '2024-05-01T10:00:00Z', observedGeneration: 1 }),
          expect.objectContaining({ type: 'Ready', status: 'False', reason: 'VNIUnknown' }),
        ],
      },
    ]);
  });
});
