// BGPVRFInstance → FRR: in the router's `address-family l2vpn evpn`, `advertise-all-vni`
// and one `vni N` context per VRF with its route distinguisher and targets.
//
// FRR derives a route target ASN:VNI by itself and does not print it back when it is the
// only one configured; configuring it among others only works if it comes last (FRR
// ignores a configured target equal to one it derived, then drops the derived ones when
// the next is configured). So a list that is just the derived target is left to FRR, and
// otherwise the derived target is written last.
import type { DesiredRouter, DesiredVrf, Problem } from '../desired-state.js';
import { ProblemReason, refKey } from '../desired-state.js';
import { asnOrIpColonNumber } from './bgp-values.js';
import { context, line, type ConfigNode } from './config-tree.js';

const MAX_VNI = 16777215;

/** The lines of the router's EVPN family; empty when it does not run EVPN. */
export function renderEvpn(router: DesiredRouter, runsEvpn: boolean, problems: Problem[]): ConfigNode[] {
  const report = (vrf: DesiredVrf, reason: string, field: string, message: string) =>
    problems.push({ object: vrf.ref, reason, field, message: `${field}: ${message}` });
  if (!runsEvpn) {
    for (const vrf of router.vrfs) report(vrf, ProblemReason.AddressFamilyMismatch, 'spec.routerRef', `router ${refKey(router.ref)} does not run l2vpn/evpn`);
    return [];
  }
  const byVni = new Map<number, DesiredVrf>();
  for (const vrf of router.vrfs) {
    if (vrf.vni === undefined) {
      report(vrf, ProblemReason.VNIUnknown, 'spec', 'no VXLAN network identifier is known for this VRF on the node');
      continue;
    }
    if (!Number.isInteger(vrf.vni) || vrf.vni < 1 || vrf.vni > MAX_VNI) {
      report(vrf, ProblemReason.InvalidValue, 'spec', `VNI ${vrf.vni} is outside 1-${MAX_VNI}`);
      continue;
    }
    const holder = byVni.get(vrf.vni);
    if (holder) {
      report(vrf, ProblemReason.Conflict, 'spec', `BGPVRFInstance ${refKey(holder.ref)} already uses VNI ${vrf.vni}`);
      continue;
    }
    byVni.set(vrf.vni, vrf);
  }
  const vnis = [...byVni.entries()].sort(([a], [b]) => a - b);
  return [line('advertise-all-vni'), ...vnis.map(([vni, vrf]) => context(`vni ${vni}`, vniLines(router, vni, vrf, report)))];
}

function vniLines(router: DesiredRouter, vni: number, vrf: DesiredVrf, report: (vrf: DesiredVrf, reason: string, field: string, message: string) => void): ConfigNode[] {
  const lines: string[] = [];
  const rd = asnOrIpColonNumber(vrf.routeDistinguisher);
  if (rd) lines.push(`rd ${rd}`);
  else report(vrf, ProblemReason.InvalidValue, 'spec.routeDistinguisher', `${vrf.routeDistinguisher} is not ASN:NN or IP:NN within 6 bytes`);

  const derived = `${router.localASN}:${vni}`;
  for (const [direction, values, field] of [
    ['import', vrf.importRouteTargets, 'spec.importRouteTargets'],
    ['export', vrf.exportRouteTargets, 'spec.exportRouteTargets'],
  ] as const) {
    const targets: string[] = [];
    values.forEach((value, i) => {
      const target = asnOrIpColonNumber(value);
      if (target) targets.push(target);
      else report(vrf, ProblemReason.InvalidValue, `${field}[${i}].value`, `${value} is not ASN:NN or IP:NN within 6 bytes`);
    });
    const unique = [...new Set(targets)];
    if (unique.length === 1 && unique[0] === derived) continue;
    const ordered = [...unique.filter((t) => t !== derived), ...unique.filter((t) => t === derived)];
    lines.push(...ordered.map((t) => `route-target ${direction} ${t}`));
  }
  return lines.map(line);
}
