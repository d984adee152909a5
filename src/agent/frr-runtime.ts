// FRR as the agent's routing runtime: render → apply the delta → observe, all through
// src/agent/frr. FRR runs one BGP instance per node, into which the renderer folds the
// node's routers of the same AS and router ID; a desired router is running when that
// instance is its AS and router ID.
import type { AddressFamily, DesiredNodeState, DesiredRouter, Problem } from './desired-state.js';
import { applyFrrConfig } from './frr/apply.js';
import { normalizeAddress } from './frr/bgp-values.js';
import { readBgpState, readRib, familyKey, type BgpState, type FamilyRib, type RibPath } from './frr/observe.js';
import { renderFrrConfig } from './frr/render.js';
import { VtyshError, type VtyshTarget } from './frr/vtysh.js';
import type { RibFamily, RibRoute } from './rib/types.js';
import { RuntimeUnavailableError, type NodeObservation, type OriginatedPrefix, type RoutingRuntime, type SessionObservation } from './runtime.js';

export class FrrRuntime implements RoutingRuntime {
  constructor(private readonly target: VtyshTarget) {}

  async apply(desired: DesiredNodeState): Promise<{ problems: Problem[] }> {
    const rendering = renderFrrConfig(desired);
    const result = await applyFrrConfig(this.target, rendering.config);
    if (!result.ok) {
      // Nothing was sent: the running configuration could not even be read.
      if (!result.commands.length) throw new RuntimeUnavailableError(result.error ?? 'FRR did not answer');
      throw new Error(result.error ?? 'FRR refused the configuration');
    }
    return { problems: rendering.problems };
  }

  async observe(desired: DesiredNodeState): Promise<NodeObservation> {
    const bgp = await unavailableOnVtyshError(() => readBgpState(this.target));
    const running = desired.routers.filter((r) => bgp.instance?.asn === r.localASN && bgp.instance.routerId === r.routerID);
    const rib = running.length ? await unavailableOnVtyshError(() => readRib(this.target)) : [];
    const originated = rib.flatMap(originatedPrefixes);
    return {
      routers: running.map((router) => ({
        ref: router.ref,
        sessions: sessionsOf(router, bgp),
        originated: originated.filter((o) => router.addressFamilies.some((af) => af.afi === o.afi && af.safi === o.safi)),
      })),
    };
  }

  async rib(router: DesiredRouter): Promise<RibFamily[]> {
    const ribs = await unavailableOnVtyshError(() => readRib(this.target));
    return router.addressFamilies.map((af) => ({
      ...af,
      routes: (ribs.find((r) => familyKey(r.addressFamily) === familyKey(af))?.paths ?? []).map(ribRoute),
    }));
  }
}

function sessionsOf(router: DesiredRouter, bgp: BgpState): SessionObservation[] {
  const neighbors = new Map(bgp.neighbors.map((n) => [canonicalAddress(n.address), n]));
  return router.peers.flatMap((peer) => {
    const n = neighbors.get(canonicalAddress(peer.address));
    if (!n) return [];
    return [
      {
        address: peer.address,
        state: n.state,
        establishedSince: n.establishedAt,
        lastResetReason: n.lastResetReason,
        prefixesSent: Object.entries(n.families).map(([key, counters]) => ({ ...familyOfKey(key), count: counters.prefixesSent })),
      },
    ];
  });
}

/** Best paths originated on this node: `network` statements have origin IGP, redistribution incomplete. */
function originatedPrefixes(rib: FamilyRib): OriginatedPrefix[] {
  return rib.paths
    .filter((p) => p.best && p.learnedFrom === undefined && p.asPath === '')
    .map((p) => ({ ...rib.addressFamily, prefix: p.prefix, source: p.origin === 'incomplete' ? 'redistribute' : 'network' }));
}

const ORIGINS: Record<RibPath['origin'], RibRoute['origin']> = { IGP: 'igp', EGP: 'egp', incomplete: 'incomplete' };

function ribRoute(p: RibPath): RibRoute {
  return {
    prefix: p.prefix,
    best: p.best,
    valid: p.valid,
    nextHops: p.nextHops,
    asPath: p.asPath,
    origin: ORIGINS[p.origin],
    ...(p.localPreference !== undefined ? { localPref: p.localPreference } : {}),
    ...(p.med !== undefined ? { med: p.med } : {}),
    communities: p.communities,
    ...(p.learnedFrom !== undefined ? { peer: p.learnedFrom } : {}),
  };
}

function familyOfKey(key: string): AddressFamily {
  const [afi, safi] = key.split('/') as [AddressFamily['afi'], AddressFamily['safi']];
  return { afi, safi };
}

function canonicalAddress(address: string): string {
  return normalizeAddress(address)?.address ?? address;
}

async function unavailableOnVtyshError<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof VtyshError) throw new RuntimeUnavailableError(err.message);
    throw err;
  }
}
