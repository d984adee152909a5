// The desired routing state of one node: the contract between the agent runtime, which
// builds it from the API objects bound to the node's routers (bindings resolved, Secrets
// read, runtime defaults applied), and src/agent/frr, which renders, applies and checks it.
// Plain data: Kubernetes metadata survives only as the ObjectRef each piece came from, so
// that problems can be reported on the right object.
import type { BGPPolicySpecTermsItemMatch, BGPPolicySpecTermsItemSet } from '../api/types.generated.js';

export type ObjectKind = 'BGPRouter' | 'BGPPeer' | 'BGPAdvertisement' | 'BGPPolicy' | 'BGPVRFInstance';

export interface ObjectRef {
  kind: ObjectKind;
  namespace: string;
  name: string;
}

/**
 * Something an object asks for that cannot be realized. The runtime reports it on the
 * object as Accepted=False with this reason (CamelCase) and message; `field` is the path
 * in the object, e.g. `spec.terms[1].set.srv6EndpointBehavior`.
 */
export interface Problem {
  object: ObjectRef;
  reason: string;
  message: string;
  field?: string;
}

/** Problem reasons produced while rendering. The runtime adds its own (e.g. SecretNotFound). */
export const ProblemReason = {
  /** A field FRR cannot express; the message names it. */
  UnsupportedField: 'UnsupportedField',
  /** keepalive > hold/3, non-integer seconds, or out of FRR's range. */
  InvalidTimers: 'InvalidTimers',
  /** An address family the router does not run, or a prefix of the wrong family. */
  AddressFamilyMismatch: 'AddressFamilyMismatch',
  /** A policy reference that does not resolve, or points the wrong direction. */
  PolicyNotFound: 'PolicyNotFound',
  PolicyDirectionMismatch: 'PolicyDirectionMismatch',
  /** Two objects ask for the same FRR setting with different values; the first by key wins. */
  Conflict: 'Conflict',
  /** A value FRR rejects (route distinguisher or target out of range, password too long…). */
  InvalidValue: 'InvalidValue',
  /** A BGPVRFInstance whose VNI the runtime could not determine. */
  VNIUnknown: 'VNIUnknown',
} as const;

export type Afi = 'ipv4' | 'ipv6' | 'l2vpn';
export type Safi = 'unicast' | 'evpn';

export interface AddressFamily {
  afi: Afi;
  safi: Safi;
}

/**
 * A value that must never reach a log: JSON, string conversion and util.inspect show a
 * placeholder, only `reveal()` gives it out (to the renderer). It holds functions on
 * purpose: structuredClone refuses it loudly instead of silently dropping the value.
 * Two states with different passwords serialize alike, so compare rendered configs, not
 * JSON, to detect a password change.
 */
export interface SecretValue {
  reveal(): string;
  toJSON(): string;
  toString(): string;
}

const REDACTED = '[redacted]';

export function secretValue(value: string): SecretValue {
  return Object.freeze({
    reveal: () => value,
    toJSON: () => REDACTED,
    toString: () => REDACTED,
    [Symbol.for('nodejs.util.inspect.custom')]: () => REDACTED,
  });
}

export interface DesiredNodeState {
  routers: DesiredRouter[];
}

export interface DesiredRouter {
  ref: ObjectRef;
  localASN: number;
  routerID: string;
  addressFamilies: AddressFamily[];
  peers: DesiredPeer[];
  advertisements: DesiredAdvertisement[];
  /**
   * Every policy this router's configuration refers to: the ones bound to it by
   * routerRef/routerSelector and the ones named by its peers and advertisements.
   */
  policies: DesiredPolicy[];
  vrfs: DesiredVrf[];
}

export interface DesiredPeer {
  ref: ObjectRef;
  address: string;
  peerASN: number;
  description?: string;
  addressFamilies: AddressFamily[];
  /** spec.holdTime in seconds, 90 when unset (the runtime default). */
  holdTimeSeconds: number;
  /** spec.keepaliveTime in seconds, 30 when unset (the runtime default). */
  keepaliveSeconds: number;
  /** The MD5 password: the Secret's `password` key when authSecretRef is set, else authentication.password. */
  password?: SecretValue;
  ebgpMultiHop?: boolean;
  nextHopSelf?: boolean;
  /** spec.removePrivateAS: 0 strips private ASNs, N > 0 replaces them with N. */
  removePrivateAS?: number;
  /** spec.defaultOriginRoute: originate a default route with this origin. */
  defaultOriginate?: 'igp' | 'egp' | 'incomplete';
  bfd?: {
    enabled: boolean;
    detectMultiplier?: number;
    /** Microseconds, as in the API. */
    minimumRxMicros?: number;
    minimumTxMicros?: number;
    multiHop?: boolean;
  };
  gracefulRestart?: { enabled?: boolean; restartTimeSeconds?: number };
  multiSession?: boolean;
  /**
   * The policies applied to routes received from / sent to this peer, as refs into
   * DesiredRouter.policies: spec.routeMapIn / routeMapOut (same namespace as the peer).
   */
  importPolicy?: ObjectRef;
  exportPolicy?: ObjectRef;
}

export type RedistributeSource = 'static' | 'connected' | 'kernel';

export interface DesiredAdvertisement {
  ref: ObjectRef;
  addressFamily: AddressFamily;
  prefixes: string[];
  communities: string[];
  localPreference?: number;
  redistribute: RedistributeSource[];
  originateFrom?: { type: 'interface'; interfaceName: string } | { type: 'kernel' };
  /** spec.policyRef, as a ref into DesiredRouter.policies. */
  policy?: ObjectRef;
}

export interface DesiredPolicy {
  ref: ObjectRef;
  direction: 'import' | 'export';
  /** As in spec.terms (index = position, used in problem field paths); the renderer orders them by sequence. */
  terms: DesiredPolicyTerm[];
}

export interface DesiredPolicyTerm {
  sequence: number;
  action: 'permit' | 'deny';
  match: BGPPolicySpecTermsItemMatch;
  set?: BGPPolicySpecTermsItemSet;
}

/**
 * An EVPN VNI with its route distinguisher and targets. The VNI comes from the
 * BGPVRFInstance's spec.vni (our addition to the reference API); a VRF without one
 * cannot be rendered and is reported.
 */
export interface DesiredVrf {
  ref: ObjectRef;
  vni?: number;
  routeDistinguisher: string;
  importRouteTargets: string[];
  exportRouteTargets: string[];
}

/** `namespace/name`, the stable key of an object within its kind. */
export function refKey(ref: ObjectRef): string {
  return `${ref.namespace}/${ref.name}`;
}
