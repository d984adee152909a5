// A stand-in for FRR, for tests of the agent runtime against the real API server where
// no FRR runs. It is the real renderer (so rendering problems such as InvalidTimers are
// FRR's own) in front of an in-memory "running" state whose sessions the test controls.
// Only tests named "stand-in FRR" use it.
import type { DesiredNodeState, DesiredRouter, Problem } from '../../../src/agent/desired-state.js';
import { normalizePrefix } from '../../../src/agent/frr/bgp-values.js';
import { renderFrrConfig } from '../../../src/agent/frr/render.js';
import type { RibFamily } from '../../../src/agent/rib/types.js';
import { RuntimeUnavailableError, type NodeObservation, type RoutingRuntime, type SessionObservation } from '../../../src/agent/runtime.js';

export class StandInFrr implements RoutingRuntime {
  /** False: every call fails as an unreachable FRR would. */
  available = true;
  /** The session each neighbor address is in; neighbors not listed are Active. */
  readonly sessions = new Map<string, Partial<SessionObservation>>();
  /** The configuration last applied, as rendered. */
  config = '';
  applies = 0;
  private running: DesiredNodeState = { routers: [] };

  async apply(desired: DesiredNodeState): Promise<{ problems: Problem[] }> {
    this.check();
    const rendering = renderFrrConfig(desired);
    this.applies++;
    this.config = rendering.config;
    this.running = desired;
    return { problems: rendering.problems };
  }

  async observe(): Promise<NodeObservation> {
    this.check();
    return {
      routers: this.running.routers.map((router) => ({
        ref: router.ref,
        sessions: router.peers.map((peer) => {
          const session = this.sessions.get(peer.address);
          const state = session?.state ?? 'Active';
          return {
            address: peer.address,
            state,
            prefixesSent: state === 'Established' ? peer.addressFamilies.map((af) => ({ ...af, count: this.originated(router).length })) : [],
            ...session,
          };
        }),
        originated: this.originated(router),
      })),
    };
  }

  async rib(router: DesiredRouter): Promise<RibFamily[]> {
    this.check();
    const running = this.running.routers.find((r) => r.ref.namespace === router.ref.namespace && r.ref.name === router.ref.name);
    return router.addressFamilies.map((af) => ({
      ...af,
      routes: (running ? this.originated(running) : [])
        .filter((o) => o.afi === af.afi && o.safi === af.safi)
        .map((o) => ({ prefix: o.prefix, best: true, valid: true, nextHops: ['0.0.0.0'], asPath: '', origin: 'igp' as const, communities: [] })),
    }));
  }

  private originated(router: DesiredRouter) {
    return router.advertisements.flatMap((a) =>
      a.prefixes.map((p) => ({ ...a.addressFamily, prefix: normalizePrefix(p)?.cidr ?? p, source: 'network' as const })),
    );
  }

  private check(): void {
    if (!this.available) throw new RuntimeUnavailableError('stand-in FRR: vtysh did not answer');
  }
}
