// The node agent assembled: API caches → reconciler (desired state → runtime → status),
// and, when TLS material is given, the RIB endpoint registered on the node's routers.
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Reconciler } from './reconciler.js';
import { certificateSha256, RibRegistration } from './rib/registration.js';
import { RibServer } from './rib/server.js';
import type { RoutingRuntime } from './runtime.js';
import { StatusWriter } from './status/writer.js';
import { ApiCaches } from './watch/caches.js';
import { OwnWrites } from './watch/own-writes.js';

export interface RibEndpointOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM: the serving certificate and key, and the CA of the clients allowed to read (the API server's). */
  cert: string;
  key: string;
  clientCa: string;
  /** The base URL the API server reaches this endpoint at; by default https://<host>:<port>. */
  advertiseUrl?: string;
}

export interface AgentOptions {
  kubeconfig: KubeConfig;
  nodeName: string;
  runtime: RoutingRuntime;
  logger: Logger;
  rib?: RibEndpointOptions;
  timing?: {
    debounceMs?: number;
    observeIntervalMs?: number;
    resyncIntervalMs?: number;
    retryDelayMs?: { initial: number; max: number };
  };
}

export class Agent {
  private constructor(
    private readonly caches: ApiCaches,
    private readonly reconciler: Reconciler,
    private readonly ribServer: RibServer | undefined,
    /** The RIB endpoint's base URL, when it serves one. */
    readonly ribUrl: string | undefined,
    readonly statusWriter: StatusWriter,
  ) {}

  static async start(opts: AgentOptions): Promise<Agent> {
    const { kubeconfig, nodeName, logger, timing } = opts;
    // The field manager names the node, so each node's status writes are told apart.
    const fieldManager = `cosmos-agent/${nodeName}`;
    const caches = new ApiCaches({ kubeconfig, logger, retryDelayMs: timing?.retryDelayMs });
    // Status and RIB registration both write BGPRouters: one record of the agent's writes.
    const own = new OwnWrites();
    const status = new StatusWriter(kubeconfig, logger, fieldManager, own);

    let reconciler: Reconciler | undefined;
    let ribServer: RibServer | undefined;
    let ribUrl: string | undefined;
    let registration: RibRegistration | undefined;
    if (opts.rib) {
      const rib = opts.rib;
      ribServer = new RibServer({ ...rib, logger, rib: (ref) => reconciler!.rib(ref) });
      const port = await ribServer.start();
      ribUrl = rib.advertiseUrl ?? `https://${rib.host.includes(':') ? `[${rib.host}]` : rib.host}:${port}`;
      registration = new RibRegistration(kubeconfig, { baseUrl: ribUrl, certSha256: certificateSha256(rib.cert) }, logger, fieldManager, own);
      logger.info({ node: nodeName, url: ribUrl }, 'serving RIBs');
    }
    reconciler = new Reconciler({ nodeName, caches, runtime: opts.runtime, status, ownWrites: own, registration, logger, ...timing });
    reconciler.start();
    await caches.start();
    logger.info({ node: nodeName, synced: caches.synced }, 'agent started');
    return new Agent(caches, reconciler, ribServer, ribUrl, status);
  }

  async stop(): Promise<void> {
    await this.reconciler.stop();
    await this.caches.stop();
    await this.ribServer?.stop();
  }
}

export function loadKubeconfig(path: string): KubeConfig {
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(path);
  return kubeconfig;
}
