// A small data-centre fabric on this machine, driven the way an operator would: nodes
// and a top-of-rack switch in network namespaces with real FRR (test/support/frr-lab.ts),
// the ToR configured by hand (it is the fabric, not ours) and originating a prefix, the
// real API server, and one real agent per node with its own RIB endpoint.
//
// Each node peers with the ToR either over their link (the ToR's link address) or with
// the ToR's loopback, multi-hop, reached through a kernel route on the node: the loopback
// is the one address every node can peer with, which a BGPPeer bound to several routers
// by routerSelector needs.
import { startApiServer, type RunningApiServer } from '../../support/apiserver.js';
import { FrrLab, type KernelRoute } from '../../support/frr-lab.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { agentPki, type AgentPki } from './agent-pki.js';
import { freePort } from './free-port.js';

export const TOR = 'tor';
export const TOR_ASN = 65000;
/** What the ToR originates. */
export const TOR_PREFIX = '203.0.113.0/24';
// Fast enough for tests: a session the ToR lost is retried within a second.
const TOR_TIMERS = { keepalive: 3, hold: 9, connect: 1 };

export interface FabricNodeSpec {
  name: string;
  /** How the node peers with the ToR. */
  uplink: 'link' | 'loopback';
}

export interface FabricNode extends FabricNodeSpec {
  asn: number;
  routerId: string;
  /** The node's end of its link to the ToR (the address the ToR sees its session from). */
  address: string;
  /** The ToR address the node peers with. */
  torAddress: string;
}

export interface BgpNeighbor {
  bgpState: string;
  connectionsEstablished: number;
  connectionsDropped: number;
  bgpTimerUpMsec?: number;
  bgpTimerUpEstablishedEpoch?: number;
}

export class Fabric {
  private constructor(
    readonly lab: FrrLab,
    readonly api: RunningApiServer,
    readonly pki: AgentPki,
    readonly nodes: Map<string, FabricNode>,
    readonly agents: Map<string, AgentProcess>,
  ) {}

  static async start(specs: FabricNodeSpec[]): Promise<Fabric> {
    const lab = await FrrLab.start({ nodes: [...specs.map((s) => s.name), TOR], links: specs.map((s) => [s.name, TOR]) });
    let api: RunningApiServer | undefined;
    let pki: AgentPki | undefined;
    const agents = new Map<string, AgentProcess>();
    try {
      const torLoopback = lab.loopback(TOR).ipv4;
      const nodes = new Map(
        specs.map((spec, i): [string, FabricNode] => {
          const link = lab.link(spec.name, TOR);
          return [
            spec.name,
            {
              ...spec,
              asn: TOR_ASN + i + 1,
              routerId: lab.loopback(spec.name).ipv4,
              address: link[spec.name]!.ipv4,
              torAddress: spec.uplink === 'link' ? link[TOR]!.ipv4 : torLoopback,
            },
          ];
        }),
      );
      for (const node of nodes.values()) {
        if (node.uplink === 'loopback') await lab.ip(node.name, ['route', 'add', `${torLoopback}/32`, 'via', lab.link(node.name, TOR)[TOR]!.ipv4]);
      }
      await lab.configureDirectly(TOR, torConfig(torLoopback, [...nodes.values()]));

      pki = await agentPki();
      api = await startApiServer({ backend: 'embedded', args: pki.apiserverFlags });
      const fabric = new Fabric(lab, api, pki, nodes, agents);
      for (const node of nodes.values()) agents.set(node.name, await fabric.startAgent(node.name));
      return fabric;
    } catch (err) {
      for (const agent of agents.values()) await agent.stop();
      await api?.stop();
      await pki?.cleanup();
      await lab.teardown();
      throw err;
    }
  }

  node(name: string): FabricNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no fabric node ${name}`);
    return node;
  }

  agent(name: string): AgentProcess {
    const agent = this.agents.get(name);
    if (!agent) throw new Error(`no agent for ${name}`);
    return agent;
  }

  /** The ToR's kernel IPv4 routing table. */
  torFib(): Promise<KernelRoute[]> {
    return this.lab.kernelRoutes(TOR);
  }

  /** The ToR's view of its session with a node. */
  async torNeighbor(node: string): Promise<BgpNeighbor | undefined> {
    const address = this.node(node).address;
    const json = JSON.parse(await this.lab.vtysh(TOR, [`show bgp neighbors ${address} json`])) as Record<string, BgpNeighbor>;
    return json[address];
  }

  /** Every path the ToR's BGP table holds for the prefix. */
  async torPaths(prefix: string): Promise<{ community?: { list?: string[] }; aspath?: { string?: string } }[]> {
    const json = JSON.parse(await this.lab.vtysh(TOR, [`show bgp ipv4 unicast ${prefix} json`])) as { prefix?: string; paths?: [] };
    return json.prefix === prefix ? (json.paths ?? []) : [];
  }

  /** Agents' output, for failure messages. */
  agentOutput(): string {
    return [...this.agents].map(([name, a]) => `--- agent ${name}\n${a.output().slice(-20_000)}`).join('\n');
  }

  async stop(): Promise<void> {
    for (const agent of this.agents.values()) await agent.stop();
    await this.api.stop();
    await this.pki.cleanup();
    await this.lab.teardown();
  }

  private async startAgent(name: string): Promise<AgentProcess> {
    const ns = this.lab.ns(name);
    return startAgent([
      '--kubeconfig', this.api.kubeconfig,
      '--node-name', name,
      '--netns', ns,
      '--frr-pathspace', ns,
      // A fixed port: the endpoint stays where it was registered across restarts.
      ...(await this.pki.agentFlags(name, `127.0.0.1:${await freePort()}`)),
    ]);
  }
}

function torConfig(loopback: string, nodes: FabricNode[]): string[] {
  const neighbors = nodes.flatMap((n) => [
    `neighbor ${n.address} remote-as ${n.asn}`,
    `neighbor ${n.address} timers ${TOR_TIMERS.keepalive} ${TOR_TIMERS.hold}`,
    `neighbor ${n.address} timers connect ${TOR_TIMERS.connect}`,
    // The node peers with the loopback: the ToR's side of the session must come from it.
    ...(n.uplink === 'loopback' ? [`neighbor ${n.address} update-source ${loopback}`] : []),
  ]);
  return [
    `router bgp ${TOR_ASN}`,
    `bgp router-id ${loopback}`,
    'no bgp ebgp-requires-policy',
    'no bgp network import-check',
    ...neighbors,
    'address-family ipv4 unicast',
    `network ${TOR_PREFIX}`,
    ...nodes.map((n) => `neighbor ${n.address} activate`),
  ];
}
