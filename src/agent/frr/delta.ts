// The vtysh commands that turn one FRR configuration into another, touching only the
// nodes an ownership rule allows: what is unchanged is not sent again, so an unchanged
// session is never reset by an unrelated change.
//
// Lines are compared as text, so both sides must be in FRR's printed form (the renderer
// writes it). Order of the commands:
// * removals before additions, lines inside a context before the context, and a
//   neighbor's `remote-as` after its other lines (removing it removes the neighbor);
// * additions in the order of the desired configuration (a neighbor before its
//   address-family lines), lists before the route-maps that use them, route-maps
//   before the BGP instance that refers to them; removals the other way round;
// * a line FRR overwrites in place (a neighbor's timers, a route-map's `set metric`)
//   is just sent with its new value: removing the old one first would make FRR act on
//   the gap (e.g. withdraw and re-announce a `network`).
import { exitCommand, type ConfigNode } from './config-tree.js';

export type Ownership = (path: readonly string[]) => boolean;

interface Op {
  /** The contexts to be in, outermost first. */
  path: string[];
  command: string;
  /** The command opens a context (a new route-map entry, vni, router bgp). */
  enters: boolean;
  removal: boolean;
}

// A line matching one of these replaces, in the same context, the line of the same
// command: the one with the same captured groups.
const OVERWRITTEN_IN_PLACE = [
  /^(bgp router-id) \S+$/,
  /^(bgp graceful-restart restart-time) \d+$/,
  /^(neighbor \S+ (?:remote-as|description|password|ebgp-multihop|bfd profile)) /,
  /^(neighbor \S+ timers) \d+ \d+$/,
  /^(neighbor \S+ route-map) \S+ (in|out)$/,
  /^(network \S+)(?: route-map \S+)?$/,
  /^(redistribute \S+)(?: route-map \S+)?$/,
  /^(rd) \S+$/,
  /^((?:ip|ipv6) prefix-list \S+ seq \d+) /,
  /^(bgp (?:community|extcommunity)-list (?:standard|expanded) \S+ seq \d+) /,
  /^(bgp as-path access-list \S+ seq \d+) /,
  /^(mac access-list \S+ seq \d+) /,
  /^(description) /,
  /^(match (?:ip address prefix-list|ipv6 address prefix-list|community|as-path|evpn route-type|evpn vni|mac address|local-preference|metric|interface)) /,
  /^(set (?:community|comm-list|extcommunity rt|local-preference|metric|origin|sr-te color|as-path prepend|ipv6 next-hop global)) /,
  /^(call) /,
];

function overwriteKey(text: string): string | undefined {
  for (const re of OVERWRITTEN_IN_PLACE) {
    const m = re.exec(text);
    if (m) return [re.source, ...m.slice(1)].join('|');
  }
  return undefined;
}

// Contexts without a `no` form: removing one means removing what is inside.
const NOT_NEGATABLE = /^address-family /;
// Lines whose removal removes others: they go after the others.
const REMOVES_OTHERS = /^neighbor \S+ remote-as /;

/** Top-level order of additions: what is referred to before what refers to it. */
function rank(top: string): number {
  if (/^(ip|ipv6) prefix-list |^bgp \S+-list |^bgp as-path |^mac access-list /.test(top)) return 0;
  if (top.startsWith('route-map ')) return 1;
  if (top === 'bfd') return 2;
  return 3;
}

export function configDelta(running: readonly ConfigNode[], desired: readonly ConfigNode[], owned: Ownership): string[] {
  const ops: Op[] = [];
  diff([], running, desired, owned, ops);
  const removals = ops.filter((op) => op.removal);
  const additions = ops.filter((op) => !op.removal);
  const topOf = (op: Op) => op.path[0] ?? op.command;
  removals.sort(
    (a, b) =>
      rank(topOf(b)) - rank(topOf(a)) ||
      b.path.length - a.path.length ||
      Number(REMOVES_OTHERS.test(a.command.replace(/^no /, ''))) - Number(REMOVES_OTHERS.test(b.command.replace(/^no /, ''))),
  );
  additions.sort((a, b) => rank(topOf(a)) - rank(topOf(b)));
  return serialize([...removals, ...additions]);
}

function diff(path: string[], running: readonly ConfigNode[], desired: readonly ConfigNode[], owned: Ownership, ops: Op[]): void {
  const runningByLine = new Map(running.map((n) => [n.line, n]));
  const desiredByLine = new Map(desired.map((n) => [n.line, n]));
  const replaced = new Set(desired.filter((n) => !runningByLine.has(n.line)).map((n) => overwriteKey(n.line)).filter(Boolean));

  for (const node of running) {
    if (desiredByLine.has(node.line)) continue;
    const at = [...path, node.line];
    if (!owned(at)) {
      if (node.children) diff(at, node.children, [], owned, ops);
    } else if (node.children || !replaced.has(overwriteKey(node.line))) {
      remove(path, node, ops);
    }
  }
  for (const node of desired) {
    const existing = runningByLine.get(node.line);
    const at = [...path, node.line];
    if (existing) {
      if (existing.children || node.children) diff(at, existing.children ?? [], node.children ?? [], owned, ops);
    } else if (owned(at)) {
      add(path, node, ops);
    } else if (node.children) {
      diff(at, [], node.children, owned, ops);
    }
  }
}

function remove(path: string[], node: ConfigNode, ops: Op[]): void {
  if (NOT_NEGATABLE.test(node.line)) {
    for (const child of node.children ?? []) remove([...path, node.line], child, ops);
    return;
  }
  const command = node.line.startsWith('no ') ? node.line.slice(3) : `no ${node.line}`;
  ops.push({ path, command, enters: false, removal: true });
}

function add(path: string[], node: ConfigNode, ops: Op[]): void {
  ops.push({ path, command: node.line, enters: node.children !== undefined, removal: false });
  for (const child of node.children ?? []) add([...path, node.line], child, ops);
}

/** The commands with the context changes between them, starting and ending at the top level. */
function serialize(ops: readonly Op[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const op of ops) {
    let common = 0;
    while (common < current.length && common < op.path.length && current[common] === op.path[common]) common++;
    for (let i = current.length - 1; i >= common; i--) out.push(exitCommand(current[i]!));
    out.push(...op.path.slice(common), op.command);
    current = op.enters ? [...op.path, op.command] : [...op.path];
  }
  for (let i = current.length - 1; i >= 0; i--) out.push(exitCommand(current[i]!));
  return out;
}
