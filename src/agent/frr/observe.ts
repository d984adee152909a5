// What FRR says about itself, read with vtysh JSON commands into typed results: whether
// bgpd answers, the state of each neighbor, the routing table per address family and
// the EVPN VNIs. Field names are FRR 8.4's.
import type { AddressFamily } from '../desired-state.js';
import { VtyshError, vtyshJson, type VtyshTarget } from './vtysh.js';

export type SessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

const SESSION_STATES = new Set<string>(['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established']);

export interface FamilyCounters {
  prefixesReceived: number;
  prefixesSent: number;
}

export interface NeighborState {
  address: string;
  peerASN: number;
  localASN: number;
  /** FRR's transient Clearing/Deleted states read as Idle. */
  state: SessionState;
  /** Set while Established. */
  uptimeMs?: number;
  /** When the session last became Established (set while it is). FRR derives it from the uptime, to the second, so two reads may differ by one. */
  establishedAt?: Date;
  /** How many times the session became Established / went down since bgpd started. */
  connectionsEstablished: number;
  connectionsDropped: number;
  /** FRR's words for the last reset, e.g. "Waiting for peer OPEN", "BGP Notification received". */
  lastResetReason?: string;
  lastResetAgoMs?: number;
  /** Negotiated while Established, configured otherwise. */
  holdTimeMs?: number;
  keepaliveMs?: number;
  /** Per family the session carries, keyed ipv4/unicast, ipv6/unicast, l2vpn/evpn. */
  families: Record<string, FamilyCounters>;
}

export interface BgpState {
  /** The BGP instance of the default VRF, if there is one. */
  instance?: { asn: number; routerId: string };
  neighbors: NeighborState[];
}

export interface RibPath {
  /** The prefix; for EVPN FRR's route notation, e.g. `[3]:[0]:[32]:[10.0.0.1]`. */
  prefix: string;
  /** EVPN only. */
  routeDistinguisher?: string;
  best: boolean;
  valid: boolean;
  nextHops: string[];
  /** Space-separated ASNs; empty for a route originated here. */
  asPath: string;
  origin: 'IGP' | 'EGP' | 'incomplete';
  localPreference?: number;
  med?: number;
  communities: string[];
  extendedCommunities: string[];
  largeCommunities: string[];
  /** The neighbor address it was learned from; undefined for a route originated here. */
  learnedFrom?: string;
}

export interface FamilyRib {
  addressFamily: AddressFamily;
  paths: RibPath[];
}

export interface EvpnVni {
  vni: number;
  /** L2 or L3. */
  type: string;
  /** The VXLAN device, when the kernel has one for this VNI. */
  vxlanInterface?: string;
  inKernel: boolean;
  routeDistinguisher?: string;
  importRouteTargets: string[];
  exportRouteTargets: string[];
  remoteVteps: number;
  macs: number;
}

/** Whether bgpd answers; the reason (vtysh's words) when it does not. */
export async function bgpdAvailability(target: VtyshTarget): Promise<{ available: boolean; reason?: string }> {
  try {
    await vtyshJson(target, ['show bgp summary json']);
    return { available: true };
  } catch (err) {
    if (err instanceof VtyshError) return { available: false, reason: err.output || err.message };
    throw err;
  }
}

interface FrrSummary {
  [family: string]: { routerId?: string; as?: number } | undefined;
}

interface FrrNeighbor {
  remoteAs: number;
  localAs: number;
  bgpState: string;
  bgpTimerUpMsec?: number;
  bgpTimerUpEstablishedEpoch?: number;
  connectionsEstablished?: number;
  connectionsDropped?: number;
  lastResetDueTo?: string;
  lastResetTimerMsecs?: number;
  bgpTimerHoldTimeMsecs?: number;
  bgpTimerKeepAliveIntervalMsecs?: number;
  bgpTimerConfiguredHoldTimeMsecs?: number;
  bgpTimerConfiguredKeepAliveIntervalMsecs?: number;
  addressFamilyInfo?: Record<string, { acceptedPrefixCounter?: number; sentPrefixCounter?: number }>;
}

// FRR's JSON keys for the families, e.g. in addressFamilyInfo and summaries.
const FAMILY_KEYS: Record<string, AddressFamily> = {
  ipv4Unicast: { afi: 'ipv4', safi: 'unicast' },
  ipv6Unicast: { afi: 'ipv6', safi: 'unicast' },
  l2VpnEvpn: { afi: 'l2vpn', safi: 'evpn' },
};

export function familyKey(af: AddressFamily): string {
  return `${af.afi}/${af.safi}`;
}

export async function readBgpState(target: VtyshTarget): Promise<BgpState> {
  const [summary, neighbors] = await vtyshJson<unknown>(target, ['show bgp summary json', 'show bgp neighbors json']);
  const instance = Object.values((summary ?? {}) as FrrSummary).find((f) => f?.as !== undefined && f.routerId !== undefined);
  return {
    instance: instance ? { asn: instance.as!, routerId: instance.routerId! } : undefined,
    neighbors: Object.entries((neighbors ?? {}) as Record<string, FrrNeighbor>).map(([address, n]) => neighborState(address, n)),
  };
}

function neighborState(address: string, n: FrrNeighbor): NeighborState {
  const state = SESSION_STATES.has(n.bgpState) ? (n.bgpState as SessionState) : 'Idle';
  const established = state === 'Established';
  const families: Record<string, FamilyCounters> = {};
  for (const [key, info] of Object.entries(n.addressFamilyInfo ?? {})) {
    const af = FAMILY_KEYS[key];
    if (af) families[familyKey(af)] = { prefixesReceived: info.acceptedPrefixCounter ?? 0, prefixesSent: info.sentPrefixCounter ?? 0 };
  }
  return {
    address,
    peerASN: n.remoteAs,
    localASN: n.localAs,
    state,
    uptimeMs: established ? n.bgpTimerUpMsec : undefined,
    establishedAt: established && n.bgpTimerUpEstablishedEpoch ? new Date(n.bgpTimerUpEstablishedEpoch * 1000) : undefined,
    connectionsEstablished: n.connectionsEstablished ?? 0,
    connectionsDropped: n.connectionsDropped ?? 0,
    lastResetReason: n.lastResetDueTo,
    lastResetAgoMs: n.lastResetTimerMsecs,
    holdTimeMs: established ? n.bgpTimerHoldTimeMsecs : n.bgpTimerConfiguredHoldTimeMsecs,
    keepaliveMs: established ? n.bgpTimerKeepAliveIntervalMsecs : n.bgpTimerConfiguredKeepAliveIntervalMsecs,
    families,
  };
}

interface FrrPath {
  valid?: boolean;
  bestpath?: boolean | { overall?: boolean };
  aspath?: { string?: string };
  origin?: string;
  metric?: number;
  locPrf?: number;
  community?: { list?: string[] };
  extendedCommunity?: { string?: string };
  largeCommunity?: { list?: string[] };
  nexthops?: { ip?: string }[];
  peer?: { peerId?: string };
  local?: boolean;
}

const UNICAST: AddressFamily[] = [FAMILY_KEYS.ipv4Unicast!, FAMILY_KEYS.ipv6Unicast!];

/**
 * The routing table of the default BGP instance, every path with its attributes. The
 * table listings of FRR 8.4 leave communities out, so each unicast prefix is then read
 * on its own (all in one vtysh session); EVPN has a detailed listing.
 */
export async function readRib(target: VtyshTarget): Promise<FamilyRib[]> {
  const tables = await vtyshJson<{ routes?: Record<string, unknown> }>(target, UNICAST.map((af) => `show bgp ${af.afi} ${af.safi} json`));
  const queries = UNICAST.flatMap((af, i) => Object.keys(tables[i]?.routes ?? {}).map((prefix) => ({ af, prefix })));
  const details = queries.length ? await vtyshJson<{ paths?: FrrPath[] }>(target, queries.map((q) => `show bgp ${q.af.afi} ${q.af.safi} ${q.prefix} json`)) : [];
  const unicast = UNICAST.map((af) => ({
    addressFamily: af,
    paths: queries.flatMap((q, i) => (q.af === af ? (details[i]?.paths ?? []).map((p) => ribPath(q.prefix, p)) : [])),
  }));
  const [evpn] = await vtyshJson<Record<string, unknown>>(target, ['show bgp l2vpn evpn route detail json']);
  return [...unicast, { addressFamily: { afi: 'l2vpn', safi: 'evpn' }, paths: evpnPaths(evpn ?? {}) }];
}

/** `{ <rd>: { rd, <prefix>: { paths: [[path…]] } } }`, next to counters. */
function evpnPaths(listing: Record<string, unknown>): RibPath[] {
  const paths: RibPath[] = [];
  for (const [rd, routes] of Object.entries(listing)) {
    if (typeof routes !== 'object' || routes === null) continue;
    for (const [prefix, route] of Object.entries(routes as Record<string, unknown>)) {
      const routePaths = (route as { paths?: FrrPath[][] } | null)?.paths;
      if (!Array.isArray(routePaths)) continue;
      for (const path of routePaths.flat()) paths.push({ ...ribPath(prefix, path), routeDistinguisher: rd });
    }
  }
  return paths;
}

function ribPath(prefix: string, p: FrrPath): RibPath {
  const best = typeof p.bestpath === 'object' ? p.bestpath.overall === true : p.bestpath === true;
  const asPath = p.aspath?.string === 'Local' ? '' : (p.aspath?.string ?? '');
  const peer = p.peer?.peerId;
  return {
    prefix,
    best,
    valid: p.valid === true,
    nextHops: (p.nexthops ?? []).map((n) => n.ip).filter((ip): ip is string => ip !== undefined),
    asPath,
    origin: p.origin === 'EGP' ? 'EGP' : p.origin === 'IGP' ? 'IGP' : 'incomplete',
    localPreference: p.locPrf,
    med: p.metric,
    communities: p.community?.list ?? [],
    extendedCommunities: p.extendedCommunity?.string?.split(' ').filter(Boolean) ?? [],
    largeCommunities: p.largeCommunity?.list ?? [],
    learnedFrom: p.local || !peer || peer === '0.0.0.0' || peer === '::' ? undefined : peer,
  };
}

interface FrrZebraVni {
  vni: number;
  type?: string;
  vxlanIf?: string;
  numMacs?: number;
  numRemoteVteps?: number;
}

interface FrrBgpVni {
  vni: number;
  type?: string;
  inKernel?: string;
  rd?: string;
  importRTs?: string[];
  exportRTs?: string[];
}

/** The VNIs bgpd knows (configured or learned from zebra), with what zebra knows of them. */
export async function readEvpnVnis(target: VtyshTarget): Promise<EvpnVni[]> {
  const [[zebra], [bgp]] = await Promise.all([
    vtyshJson<Record<string, FrrZebraVni>>(target, ['show evpn vni json']),
    vtyshJson<Record<string, FrrBgpVni | unknown>>(target, ['show bgp l2vpn evpn vni json']),
  ]);
  const isVni = (v: unknown): v is { vni: number } => typeof v === 'object' && v !== null && typeof (v as { vni?: unknown }).vni === 'number';
  const bgpVnis = new Map(Object.values(bgp ?? {}).filter(isVni).map((v) => [v.vni, v as FrrBgpVni]));
  const zebraVnis = new Map(Object.values(zebra ?? {}).filter(isVni).map((v) => [v.vni, v as FrrZebraVni]));
  const vnis = [...new Set([...bgpVnis.keys(), ...zebraVnis.keys()])].sort((a, b) => a - b);
  return vnis.map((vni) => {
    const b = bgpVnis.get(vni);
    const z = zebraVnis.get(vni);
    return {
      vni,
      type: b?.type ?? z?.type ?? 'L2',
      vxlanInterface: z?.vxlanIf,
      inKernel: b ? b.inKernel === 'True' : z !== undefined,
      routeDistinguisher: b?.rd,
      importRouteTargets: b?.importRTs ?? [],
      exportRouteTargets: b?.exportRTs ?? [],
      remoteVteps: z?.numRemoteVteps ?? 0,
      macs: z?.numMacs ?? 0,
    };
  });
}
