// BGPPeer → FRR: the `neighbor` lines of `router bgp` and of each address family the
// session carries, the BFD profiles the peers need and the route-maps giving default
// routes their origin.
import type { AddressFamily, DesiredPeer, DesiredRouter, Problem } from '../desired-state.js';
import { ProblemReason } from '../desired-state.js';
import { normalizeAddress } from './bgp-values.js';
import { context, line } from './config-tree.js';
import { bfdProfile, defaultOriginRouteMap } from './names.js';
import type { PolicyUsage } from './policy-usage.js';
import { addToFamily, byRef, emptySection, sameFamily, type Section } from './section.js';

/** FRR's own graceful-restart restart time, which it does not print. */
const FRR_DEFAULT_RESTART_TIME = 120;
/** What the API promises for ebgpMultiHop. */
const MULTIHOP_TTL = 64;
/** TCP_MD5SIG_MAXKEYLEN. */
const MAX_PASSWORD_BYTES = 80;
/** bfdd's defaults, which it does not print in a profile. */
const BFD_DEFAULTS = { detectMultiplier: 3, receiveMs: 300, transmitMs: 300 };
/** The runtime defaults of the API for timers that fail validation. */
const API_DEFAULT_TIMERS = { hold: 90, keepalive: 30 };

export function renderPeers(router: DesiredRouter, families: readonly AddressFamily[], policies: PolicyUsage, problems: Problem[]): Section {
  const section = emptySection();
  const seen = new Map<string, DesiredPeer>();
  let restartTime: { seconds: number; peer: DesiredPeer } | undefined;
  const report = (peer: DesiredPeer, reason: string, field: string, message: string) =>
    problems.push({ object: peer.ref, reason, field, message: `${field}: ${message}` });

  for (const peer of [...router.peers].sort(byRef)) {
    const address = normalizeAddress(peer.address)?.address;
    if (!address) {
      report(peer, ProblemReason.InvalidValue, 'spec.address', `${peer.address} is not an IP address`);
      continue;
    }
    const holder = seen.get(address);
    if (holder) {
      report(peer, ProblemReason.Conflict, 'spec.address', `BGPPeer ${holder.ref.namespace}/${holder.ref.name} already peers with ${address}`);
      continue;
    }
    seen.set(address, peer);
    const n = `neighbor ${address}`;
    const ebgp = peer.peerASN !== router.localASN;
    const lines = [`${n} remote-as ${peer.peerASN}`];

    const description = peer.description?.trim().split(/\s+/).join(' ');
    if (description) lines.push(`${n} description ${description}`);

    if (peer.bfd?.enabled) lines.push(...bfdLines(peer, n, ebgp, section, report));

    if (peer.password) {
      const password = peer.password.reveal();
      // vtysh reads the password as words: runs of blanks would not survive. (No field:
      // the password comes from a Secret or from spec.authentication.)
      const unfit =
        password !== password.trim().split(/\s+/).join(' ') || password === ''
          ? 'has leading, trailing or repeated blanks, which FRR cannot keep'
          : Buffer.byteLength(password) > MAX_PASSWORD_BYTES
            ? `is longer than the ${MAX_PASSWORD_BYTES} bytes TCP MD5 allows`
            : undefined;
      if (unfit) problems.push({ object: peer.ref, reason: ProblemReason.InvalidValue, message: `the MD5 password ${unfit}` });
      else lines.push(`${n} password ${password}`);
    }

    // iBGP sessions are multi-hop already; FRR ignores ebgp-multihop on them.
    if (ebgp && peer.ebgpMultiHop) lines.push(`${n} ebgp-multihop ${MULTIHOP_TTL}`);

    const timerError = timersError(peer.holdTimeSeconds, peer.keepaliveSeconds);
    if (timerError) report(peer, ProblemReason.InvalidTimers, 'spec.keepaliveTime', timerError);
    const [keepalive, hold] = timerError ? [API_DEFAULT_TIMERS.keepalive, API_DEFAULT_TIMERS.hold] : [peer.keepaliveSeconds, peer.holdTimeSeconds];
    lines.push(`${n} timers ${keepalive} ${hold}`);

    const gr = peer.gracefulRestart;
    if (gr?.enabled === true) lines.push(`${n} graceful-restart`);
    if (gr?.enabled === false) lines.push(`${n} graceful-restart-disable`);
    if (gr?.restartTimeSeconds !== undefined) {
      if (restartTime && restartTime.seconds !== gr.restartTimeSeconds) {
        const holder = restartTime.peer.ref;
        report(peer, ProblemReason.Conflict, 'spec.gracefulRestart.restartTime', `FRR has one restart time per router; BGPPeer ${holder.namespace}/${holder.name} set it to ${restartTime.seconds}s`);
      } else restartTime ??= { seconds: gr.restartTimeSeconds, peer };
    }

    if (peer.multiSession) report(peer, ProblemReason.UnsupportedField, 'spec.multiSession', 'FRR runs one BFD session per peer, not one per address family');

    section.router.push(...lines.map(line));
    renderFamilies(router, peer, n, families, policies, section, report);
  }

  if (restartTime && restartTime.seconds !== FRR_DEFAULT_RESTART_TIME) section.router.unshift(line(`bgp graceful-restart restart-time ${restartTime.seconds}`));
  return section;
}

type Report = (peer: DesiredPeer, reason: string, field: string, message: string) => void;

/** Seconds FRR can take, hold 0 or at least 3, and keepalive at most a third of hold. */
function timersError(hold: number, keepalive: number): string | undefined {
  const valid = (n: number) => Number.isInteger(n) && n >= 0 && n <= 65535;
  if (!valid(hold) || !valid(keepalive)) return `FRR takes whole seconds from 0 to 65535 (hold ${hold}s, keepalive ${keepalive}s)`;
  if (hold !== 0 && hold < 3) return `holdTime ${hold}s must be 0 or at least 3s`;
  if (hold !== 0 && keepalive > hold / 3) return `keepaliveTime ${keepalive}s exceeds holdTime/3 (${hold}s/3)`;
  return undefined;
}

function bfdLines(peer: DesiredPeer, n: string, ebgp: boolean, section: Section, report: Report): string[] {
  const bfd = peer.bfd!;
  const lines = [`${n} bfd`];
  if (ebgp && bfd.multiHop !== undefined && bfd.multiHop !== (peer.ebgpMultiHop === true)) {
    report(peer, ProblemReason.UnsupportedField, 'spec.bfd.multiHop', 'FRR chooses multi-hop BFD from the session: exactly when the eBGP session is multi-hop');
  }
  const ms = (micros: number | undefined, fallback: number, field: string): number | undefined => {
    if (micros === undefined) return fallback;
    const value = micros / 1000;
    if (Number.isInteger(value) && value >= 10 && value <= 60000) return value;
    report(peer, ProblemReason.InvalidValue, field, `${micros}µs is not a whole number of milliseconds from 10 to 60000, as FRR needs`);
    return undefined;
  };
  const detectMultiplier = bfd.detectMultiplier ?? BFD_DEFAULTS.detectMultiplier;
  const receiveMs = ms(bfd.minimumRxMicros, BFD_DEFAULTS.receiveMs, 'spec.bfd.minimumRx');
  const transmitMs = ms(bfd.minimumTxMicros, BFD_DEFAULTS.transmitMs, 'spec.bfd.minimumTx');
  if (receiveMs === undefined || transmitMs === undefined) return lines;
  const settings = [
    detectMultiplier !== BFD_DEFAULTS.detectMultiplier ? `detect-multiplier ${detectMultiplier}` : '',
    receiveMs !== BFD_DEFAULTS.receiveMs ? `receive-interval ${receiveMs}` : '',
    transmitMs !== BFD_DEFAULTS.transmitMs ? `transmit-interval ${transmitMs}` : '',
  ].filter(Boolean);
  if (!settings.length) return lines;
  const profile = bfdProfile(detectMultiplier, receiveMs, transmitMs);
  section.top.push(context('bfd', [context(`profile ${profile}`, settings.map(line))]));
  return [...lines, `${n} bfd profile ${profile}`];
}

function renderFamilies(router: DesiredRouter, peer: DesiredPeer, n: string, families: readonly AddressFamily[], policies: PolicyUsage, section: Section, report: Report): void {
  const active = families.filter((af) => peer.addressFamilies.some((p) => sameFamily(p, af)));
  peer.addressFamilies.forEach((af, i) => {
    if (!families.some((f) => sameFamily(f, af))) {
      report(peer, ProblemReason.AddressFamilyMismatch, `spec.addressFamilies[${i}]`, `router ${router.ref.namespace}/${router.ref.name} does not run ${af.afi}/${af.safi}`);
    }
  });
  const unicast = active.filter((af) => af.safi === 'unicast');
  if (!unicast.length && peer.removePrivateAS !== undefined) {
    report(peer, ProblemReason.UnsupportedField, 'spec.removePrivateAS', 'FRR removes private ASNs on unicast sessions only');
  }
  if (!unicast.length && peer.defaultOriginate !== undefined) {
    report(peer, ProblemReason.UnsupportedField, 'spec.defaultOriginRoute', 'FRR originates default routes on unicast sessions only');
  }
  const removePrivate = removePrivateAsLine(router, peer, n, report);
  const defaultOriginate = defaultOriginateLine(peer, n, unicast.length > 0, section);

  for (const af of active) {
    const lines = [`${n} activate`];
    if (peer.nextHopSelf) lines.push(`${n} next-hop-self`);
    if (af.safi === 'unicast') {
      if (removePrivate) lines.push(removePrivate);
      if (defaultOriginate) lines.push(defaultOriginate);
    }
    if (peer.importPolicy) {
      const map = policies.use(peer.importPolicy, af, 'import', { object: peer.ref, field: 'spec.routeMapIn' });
      if (map) lines.push(`${n} route-map ${map} in`);
    }
    if (peer.exportPolicy) {
      const map = policies.use(peer.exportPolicy, af, 'export', { object: peer.ref, field: 'spec.routeMapOut' });
      if (map) lines.push(`${n} route-map ${map} out`);
    }
    addToFamily(section, af, lines.map(line));
  }
}

/** 0 strips private ASNs; FRR can replace them only with the local ASN. */
function removePrivateAsLine(router: DesiredRouter, peer: DesiredPeer, n: string, report: Report): string | undefined {
  if (peer.removePrivateAS === undefined) return undefined;
  if (peer.removePrivateAS === 0) return `${n} remove-private-AS all`;
  if (peer.removePrivateAS === router.localASN) return `${n} remove-private-AS all replace-AS`;
  report(peer, ProblemReason.UnsupportedField, 'spec.removePrivateAS', `FRR replaces private ASNs with the local ASN (${router.localASN}) only, not ${peer.removePrivateAS}`);
  return undefined;
}

/** FRR originates with origin IGP; another origin takes a route-map that sets it. */
function defaultOriginateLine(peer: DesiredPeer, n: string, hasUnicast: boolean, section: Section): string | undefined {
  if (!peer.defaultOriginate || !hasUnicast) return undefined;
  if (peer.defaultOriginate === 'igp') return `${n} default-originate`;
  const map = defaultOriginRouteMap(peer.defaultOriginate);
  section.top.push(context(`route-map ${map} permit 10`, [line(`set origin ${peer.defaultOriginate}`)]));
  return `${n} default-originate route-map ${map}`;
}
