// What the agent needs from the routing runtime on its node: converge to a desired state,
// and report what is live. FRR (src/agent/frr) is the runtime in production; this is the
// seam where the agent meets it.
import type { AddressFamily, DesiredNodeState, DesiredRouter, ObjectRef, Problem } from './desired-state.js';
import type { RibFamily } from './rib/types.js';

/** The BGP FSM states (RFC 4271), as BGPPeer's status.sessionState spells them. */
export const SESSION_STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export interface RoutingRuntime {
  /**
   * Converges the runtime to `desired`, changing only what differs. Returns what could not
   * be realized; throws RuntimeUnavailableError when the runtime does not answer, and any
   * other error when it refused the configuration.
   */
  apply(desired: DesiredNodeState): Promise<{ problems: Problem[] }>;
  /** The live state of the desired routers; throws RuntimeUnavailableError when the runtime does not answer. */
  observe(desired: DesiredNodeState): Promise<NodeObservation>;
  /** One router's live BGP table, per address family it runs. */
  rib(router: DesiredRouter): Promise<RibFamily[]>;
}

export class RuntimeUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeUnavailableError';
  }
}

export interface NodeObservation {
  /** One per desired router the runtime runs; a desired router missing here is not configured. */
  routers: RouterObservation[];
}

export interface RouterObservation {
  ref: ObjectRef;
  /** One per configured neighbor, by address. */
  sessions: SessionObservation[];
  /** Prefixes this router originates into BGP (in its BGP table as locally sourced), per family. */
  originated: OriginatedPrefix[];
}

export interface SessionObservation {
  /** The neighbor address as configured. */
  address: string;
  state: SessionState;
  /** When the session last became Established, if it is or ever was. */
  establishedSince?: Date;
  /** Why the session last went down, as the runtime words it (e.g. FRR's lastResetDueTo). */
  lastResetReason?: string;
  /** The last NOTIFICATION received or sent, as the runtime words it (e.g. "Hold Timer Expired"). */
  lastNotification?: string;
  /** Prefixes sent to this neighbor, per family it negotiated. */
  prefixesSent: (AddressFamily & { count: number })[];
}

export interface OriginatedPrefix extends AddressFamily {
  /** Canonical CIDR (host bits clear, lowercase IPv6). */
  prefix: string;
  /** `network`: listed in an advertisement's prefixes. `redistribute`: from redistribute or originateFrom. */
  source: 'network' | 'redistribute';
}
