// A lab of simulated nodes on this machine: one network namespace per node, wired with
// veth pairs, each running real FRR daemons in their own path space (`-N`, so
// /etc/frr/<ns>/ and /var/run/frr/<ns>/). Everything is named `cosmoslab-<pid>-<rand>-…`:
// parallel runs never collide, and a run that died leaves names whose pid is gone, which
// the next start removes.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { vtysh, type VtyshTarget } from '../../src/agent/frr/vtysh.js';
import { requireBinary } from './binaries.js';

const run = promisify(execFile);

const PREFIX = 'cosmoslab-';
const FRR_CONF_ROOT = '/etc/frr';
const FRR_RUN_ROOT = '/var/run/frr';
const DAEMONS = ['zebra', 'bgpd', 'staticd', 'bfdd'] as const;
type Daemon = (typeof DAEMONS)[number];
const START_TIMEOUT_MS = 15_000;

export interface LabSpec {
  /** Node names, short (they end up in interface names): e.g. ['node', 'tor']. */
  nodes: string[];
  /** Point-to-point links between nodes. */
  links: [string, string][];
}

/** One end of a link, as seen from its node. */
export interface LinkEnd {
  ifname: string;
  ipv4: string;
  ipv6: string;
  /** The addresses with their prefix length, as configured. */
  ipv4Cidr: string;
  ipv6Cidr: string;
}

export interface KernelRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  nexthops?: { gateway?: string; dev?: string }[];
  [field: string]: unknown;
}

interface LabNode {
  name: string;
  /** Network namespace and FRR path space, the same name. */
  ns: string;
  index: number;
  /** Lines given to configureDirectly, replayed when bgpd restarts. */
  configured: string[][];
}

interface Link {
  a: string;
  b: string;
  ends: Record<string, LinkEnd>;
}

function binaries() {
  return {
    ip: requireBinary('ip'),
    vtysh: requireBinary('vtysh'),
    ...Object.fromEntries(DAEMONS.map((d) => [d, requireBinary(d)])),
  } as Record<'ip' | 'vtysh' | Daemon, string>;
}

export class FrrLab {
  private constructor(
    private readonly bin: Record<'ip' | 'vtysh' | Daemon, string>,
    private readonly nodes: Map<string, LabNode>,
    private readonly links: Link[],
  ) {}

  /** Builds the namespaces, links and daemons; on any failure tears down what it built. */
  static async start(spec: LabSpec): Promise<FrrLab> {
    const bin = binaries();
    await removeStaleLabs(bin.ip);
    const runId = `${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
    const nodes = new Map(
      spec.nodes.map((name, i) => [name, { name, ns: `${PREFIX}${runId}-${name}`, index: i + 1, configured: [] } as LabNode]),
    );
    const lab = new FrrLab(bin, nodes, []);
    try {
      for (const node of nodes.values()) await lab.createNode(node);
      for (const [i, [a, b]] of spec.links.entries()) await lab.createLink(i, lab.node(a), lab.node(b));
      for (const node of nodes.values()) await lab.startDaemons(node, DAEMONS);
      return lab;
    } catch (err) {
      await lab.teardown();
      throw err;
    }
  }

  /** The network namespace (and FRR path space) of a node. */
  ns(node: string): string {
    return this.node(node).ns;
  }

  /** What src/agent/frr needs to reach the node's FRR. */
  target(node: string): VtyshTarget {
    return { pathspace: this.ns(node), binary: this.bin.vtysh };
  }

  loopback(node: string): { ipv4: string; ipv6: string } {
    const { index } = this.node(node);
    return { ipv4: `10.255.255.${index}`, ipv6: `fd00:255::${index}` };
  }

  /** The two ends of the link between a and b, keyed by node name. */
  link(a: string, b: string): { [node: string]: LinkEnd } {
    const link = this.links.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
    if (!link) throw new Error(`no link between ${a} and ${b}`);
    return link.ends;
  }

  /** Configures a node's FRR by hand (the fabric side, which is not the agent's): lines after `configure terminal`. */
  async configureDirectly(node: string, lines: string[]): Promise<void> {
    await vtysh(this.target(node), ['configure terminal', ...lines]);
    this.node(node).configured.push(lines);
  }

  async vtysh(node: string, commands: string[]): Promise<string> {
    return vtysh(this.target(node), commands);
  }

  /** The node's kernel routing table (`ip -json route`), IPv4 or IPv6. */
  async kernelRoutes(node: string, family: 4 | 6 = 4): Promise<KernelRoute[]> {
    const { stdout } = await run(this.bin.ip, ['-n', this.ns(node), `-${family}`, '-json', 'route', 'show']);
    return JSON.parse(stdout || '[]') as KernelRoute[];
  }

  /** Runs an `ip` command inside the node's namespace, e.g. ['addr', 'add', …]. */
  async ip(node: string, args: string[]): Promise<string> {
    const { stdout } = await run(this.bin.ip, ['-n', this.ns(node), ...args]);
    return stdout;
  }

  /** Kills the node's bgpd (SIGKILL, no goodbye to its peers) and waits until it is gone. */
  async killBgpd(node: string): Promise<void> {
    await stopDaemon(this.node(node).ns, 'bgpd', 'SIGKILL');
  }

  /** Stops bgpd, starts it again and replays the configureDirectly lines; the agent's own config is for the agent to reapply. */
  async restartBgpd(node: string): Promise<void> {
    const n = this.node(node);
    await stopDaemon(n.ns, 'bgpd', 'SIGTERM');
    await this.startDaemons(n, ['bgpd']);
    for (const lines of n.configured) await vtysh(this.target(node), ['configure terminal', ...lines]);
  }

  /** Kills every daemon, deletes the namespaces and FRR directories. Safe to call twice. */
  async teardown(): Promise<void> {
    const errors: unknown[] = [];
    for (const node of this.nodes.values()) {
      await removeLab(this.bin.ip, node.ns).catch((err: unknown) => errors.push(err));
    }
    if (errors.length) throw new AggregateError(errors, 'lab teardown failed');
  }

  private node(name: string): LabNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no lab node ${name}`);
    return node;
  }

  private async createNode(node: LabNode): Promise<void> {
    const { ip } = this.bin;
    await run(ip, ['netns', 'add', node.ns]);
    await run(ip, ['-n', node.ns, 'link', 'set', 'lo', 'up']);
    const lo = this.loopback(node.name);
    await run(ip, ['-n', node.ns, 'addr', 'add', `${lo.ipv4}/32`, 'dev', 'lo']);
    await run(ip, ['-n', node.ns, '-6', 'addr', 'add', `${lo.ipv6}/128`, 'dev', 'lo']);
    for (const dir of [join(FRR_CONF_ROOT, node.ns), join(FRR_RUN_ROOT, node.ns)]) {
      await mkdir(dir, { recursive: true });
      await chown(dir, ...(await frrIds()));
    }
    // vtysh -N reads its own vtysh.conf from the path space.
    await writeFile(join(FRR_CONF_ROOT, node.ns, 'vtysh.conf'), 'service integrated-vtysh-config\n');
  }

  private async createLink(index: number, a: LabNode, b: LabNode): Promise<void> {
    const { ip } = this.bin;
    const ifA = `to-${b.name}`.slice(0, 15);
    const ifB = `to-${a.name}`.slice(0, 15);
    // Created inside a's namespace with the peer moved straight into b's: no name ever
    // exists in the root namespace, where parallel runs would collide.
    await run(ip, ['-n', a.ns, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', b.ns]);
    const ends: Record<string, LinkEnd> = {};
    for (const [node, ifname, host] of [[a, ifA, 0], [b, ifB, 1]] as const) {
      const end: LinkEnd = {
        ifname,
        ipv4: `10.0.${index}.${host}`,
        ipv6: `fd00:0:${index + 1}::${host + 1}`,
        ipv4Cidr: `10.0.${index}.${host}/31`,
        ipv6Cidr: `fd00:0:${index + 1}::${host + 1}/64`,
      };
      await run(ip, ['-n', node.ns, 'addr', 'add', end.ipv4Cidr, 'dev', ifname]);
      // nodad: a tentative address cannot carry a BGP session for the first seconds.
      await run(ip, ['-n', node.ns, '-6', 'addr', 'add', end.ipv6Cidr, 'dev', ifname, 'nodad']);
      await run(ip, ['-n', node.ns, 'link', 'set', ifname, 'up']);
      ends[node.name] = end;
    }
    this.links.push({ a: a.name, b: b.name, ends });
  }

  private async startDaemons(node: LabNode, daemons: readonly Daemon[]): Promise<void> {
    for (const daemon of daemons) {
      const runDir = join(FRR_RUN_ROOT, node.ns);
      await run(this.bin.ip, [
        'netns', 'exec', node.ns, this.bin[daemon],
        '-N', node.ns,
        '-d',
        '-P', '0', // no TCP vty: only the path space's unix sockets
        '-f', '/dev/null',
        '--log', `file:${join(runDir, `${daemon}.log`)}`,
      ]);
      // The others need zebra's socket before they start.
      if (daemon === 'zebra') await waitFor(() => existsSync(join(runDir, 'zserv.api')), `zebra socket in ${node.ns}`);
    }
    await waitFor(async () => {
      const output = await vtysh(this.target(node.name), ['show daemons']).catch(() => '');
      return daemons.every((d) => output.split(/\s+/).includes(d));
    }, `vtysh to answer for ${daemons.join(', ')} in ${node.ns}`);
  }
}

async function frrIds(): Promise<[number, number]> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const entry = passwd.split('\n').find((l) => l.startsWith('frr:'));
  if (!entry) throw new Error('no frr user: install the Debian package frr');
  const [, , uid, gid] = entry.split(':');
  return [Number(uid), Number(gid)];
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Running, as opposed to gone or a zombie (daemons are reparented to a PID 1 that may never reap them). */
function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function stopDaemon(ns: string, daemon: Daemon, signal: NodeJS.Signals): Promise<void> {
  const pidFile = join(FRR_RUN_ROOT, ns, `${daemon}.pid`);
  const pid = Number(await readFile(pidFile, 'utf8').catch(() => ''));
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + 5_000;
  while (pidAlive(pid)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await sleep(20);
  }
  await rm(pidFile, { force: true });
}

/** Kills whatever runs in the namespace, deletes it and its FRR directories. */
async function removeLab(ip: string, ns: string): Promise<void> {
  const { stdout } = await run(ip, ['netns', 'pids', ns]).catch(() => ({ stdout: '' }));
  const pids = stdout.split(/\s+/).filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 5_000;
  while (pids.some(pidAlive) && Date.now() < deadline) await sleep(20);
  await run(ip, ['netns', 'delete', ns]).catch(() => undefined);
  await rm(join(FRR_CONF_ROOT, ns), { recursive: true, force: true });
  await rm(join(FRR_RUN_ROOT, ns), { recursive: true, force: true });
}

/** Leftovers of lab runs whose process is gone: namespaces and FRR directories alike. */
async function removeStaleLabs(ip: string): Promise<void> {
  const { stdout } = await run(ip, ['netns', 'list']);
  const names = new Set(stdout.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(PREFIX)));
  for (const root of [FRR_CONF_ROOT, FRR_RUN_ROOT]) {
    for (const entry of await readdir(root).catch(() => [])) if (entry.startsWith(PREFIX)) names.add(entry);
  }
  for (const name of names) {
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (!pidAlive(pid)) await removeLab(ip, name);
  }
}
