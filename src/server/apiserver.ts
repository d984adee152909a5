// The API server: HTTPS, authentication and authorization, discovery, health, metrics,
// the published OpenAPI, and the generic resource handler for every kind. It is
// assembled from its parts by the command line (src/cli/apiserver.ts).
//
// Every request passes, in kube-apiserver's order: health probes (no credentials),
// authentication, the max-in-flight limit, the request timeout, authorization (by path
// for non-resource requests here, by verb and resource in serveResource), the handler.
// Resource requests run that chain (serving/filters.ts) without express; everything
// else is routed by express.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Storage } from '../../storage/interface.js';
import type { Admission } from '../admission/types.js';
import type { KindDefinition } from '../api/kinds.js';
import type { KubeObject } from '../api/object.js';
import * as errors from '../meta/status.js';
import { ConsistentRevision } from '../registry/consistent-revision.js';
import { ResourceStore, type WriteHooks } from '../registry/resource-store.js';
import type { Authenticator, Authorizer, RequestAttributes, UserInfo } from './auth.js';
import { authenticationFilter } from './authentication/filter.js';
import { forbiddenError } from './authorization/forbidden.js';
import { nonResourceAttributes, resourceAttributes } from './authorization/request-attributes.js';
import { buildDiscovery } from './discovery.js';
import { ServerMetrics } from './metrics.js';
import { negotiate } from './negotiation.js';
import { openApiRouter } from './openapi-routes.js';
import { handleResource, requestVerb, type ServedResource, type SubresourceHandler, type Verb, type WatchSettings } from './resource-handler.js';
import { parseResourcePath, type ResourcePath } from './resource-path.js';
import { runFilters, type Filter } from './serving/filters.js';
import { maxInFlight, type InFlightLimits } from './serving/in-flight.js';
import { requestUrl } from './serving/request-class.js';
import { requestTimeout } from './serving/request-timeout.js';
import { hardenedServerOptions } from './serving/server-options.js';
import type { ServingCertificate } from './serving/serving-certificate.js';
import { gracefulShutdown } from './serving/shutdown.js';
import { TableConvertor } from './table.js';
import { instrumentStorage } from '../registry/instrumented-storage.js';
import { SERVER_VERSION } from './version.js';

/** What one kind adds to the generic machinery: write hooks and custom subresources. */
export interface KindExtension {
  group: string;
  resource: string;
  hooks?: WriteHooks;
  subresources?: Record<string, SubresourceHandler>;
}

export interface ApiServerConfig {
  kinds: KindDefinition[];
  /** Per-kind additions, as data (no kind is special-cased in the machinery itself). */
  extensions?: KindExtension[];
  /** Closed by stop(), after the last request. */
  storage: Storage;
  admission: Admission;
  authenticator: Authenticator;
  authorizer: Authorizer;
  logger: Logger;
  /** The serving certificate and the client CAs to ask for; changes apply to new connections. */
  serving: ServingCertificate;
  bindAddress: string;
  port: number;
  bookmarkIntervalMs?: number;
  minRequestTimeoutSeconds?: number;
  /** `--max-requests-inflight`, `--max-mutating-requests-inflight` (kube's defaults when absent). */
  inFlight?: InFlightLimits;
  /** `--request-timeout` for everything but watches (kube's 1 minute when absent). */
  requestTimeoutMs?: number;
  /** `--shutdown-delay-duration`: how long /readyz fails before the server stops listening. */
  shutdownDelayMs?: number;
  /**
   * Whether kube's garbage collector works on our objects (aggregated mode): only then do
   * Foreground and Orphan deletion add the finalizers it removes.
   */
  garbageCollected?: boolean;
}

// The verb label kube-apiserver's metrics use (HTTP methods, with LIST and WATCH told
// apart from GET), so dashboards written for it read ours.
const METRIC_VERBS: Record<Verb, string> = {
  get: 'GET',
  list: 'LIST',
  watch: 'WATCH',
  create: 'POST',
  update: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  deletecollection: 'DELETECOLLECTION',
};

interface Authenticated {
  user?: UserInfo;
}

type AuthedRequest = Request & Authenticated;

export class ApiServer {
  readonly metrics = new ServerMetrics();
  private readonly resources = new Map<string, ServedResource>();
  private server: Server | null = null;
  private readonly watchSettings: WatchSettings;
  private draining = false;

  constructor(private readonly config: ApiServerConfig) {
    const storage = instrumentStorage(config.storage, (operation, type, seconds) =>
      this.metrics.storageDuration.labels(operation, type).observe(seconds),
    );
    const consistentRevision = new ConsistentRevision(storage);
    for (const kind of config.kinds) {
      const registration = config.extensions?.find((e) => e.group === kind.group && e.resource === kind.plural);
      const store = new ResourceStore(kind, {
        storage,
        admission: config.admission,
        consistentRevision,
        hooks: registration?.hooks,
        garbageCollected: config.garbageCollected,
        onCacheError: (err) => config.logger.warn({ resource: kind.plural, err: err.message }, 'watch cache restarting'),
      });
      this.resources.set(`${kind.group}/${kind.version}/${kind.plural}`, {
        store,
        table: new TableConvertor(kind.printerColumns),
        subresources: new Map(Object.entries(registration?.subresources ?? {})),
      });
    }
    this.watchSettings = {
      bookmarkIntervalMs: config.bookmarkIntervalMs ?? 60_000,
      minRequestTimeoutSeconds: config.minRequestTimeoutSeconds ?? 1800,
      onWatchStart: (served) => {
        const gauge = this.metrics.watches.labels('WATCH', served.store.kind.group, served.store.kind.plural);
        gauge.inc();
        return () => gauge.dec();
      },
    };
  }

  /** The store serving a resource, for server-side controllers (e.g. VPC status). */
  store(group: string, resource: string): ResourceStore | undefined {
    for (const { store } of this.resources.values()) {
      if (store.kind.group === group && store.kind.plural === resource) return store;
    }
    return undefined;
  }

  /**
   * An object as the watch cache has it, for admission checks that look at other objects
   * (eventually consistent, as such checks are in Kubernetes).
   */
  async lookup(kind: { group: string; kind: string }, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    for (const { store } of this.resources.values()) {
      if (store.kind.group !== kind.group || store.kind.kind !== kind.kind) continue;
      await store.cache.start();
      return store.cache.get(store.keys.key(namespace, name));
    }
    return undefined;
  }

  /** Fills every watch cache, then listens. */
  async start(): Promise<number> {
    await Promise.all([...this.resources.values()].map((r) => r.store.cache.start()));
    const filters = this.filters();
    const app = this.app(filters);
    const chain = [filters.logRequest, ...filters.guards];
    const handle = (req: IncomingMessage, res: ServerResponse): void => {
      let url: URL;
      try {
        url = requestUrl(req);
      } catch {
        return this.fail(errors.badRequest(`the request target ${JSON.stringify(req.url)} is not a valid URL path`), req, res);
      }
      const path = resourcePath(url.pathname);
      if (!path) return void app(req, res);
      runFilters(chain, req, res, () => this.serveResource(req, res, path, url), (err) => this.fail(err, req, res));
    };
    const { serving } = this.config;
    // Client certificates are asked for, not required: bearer tokens and the probes need none.
    this.server = createServer({ ...serving.secureContextOptions(), requestCert: true, rejectUnauthorized: false, ...hardenedServerOptions() }, handle);
    serving.attach(this.server);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.port, this.config.bindAddress, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  /**
   * Graceful shutdown: /readyz fails for the shutdown delay, then no new connections are
   * taken, every watch ends with a clean end of stream (closing the watch caches ends
   * them), requests in flight get a grace period, and storage closes last.
   */
  async stop(): Promise<void> {
    const closeCaches = (): void => {
      for (const r of this.resources.values()) r.store.cache.close();
    };
    const closeStorage = (): Promise<void> => this.config.storage.close();
    const { server } = this;
    if (!server) {
      closeCaches();
      return closeStorage();
    }
    await gracefulShutdown({
      server,
      startDraining: () => void (this.draining = true),
      endWatches: () => {
        closeCaches();
        // Node closes only the connections idle when closing starts; a keep-alive client
        // (kubectl) whose watch just ended would hold the server until the grace period.
        // Go's Server.Shutdown, which kube-apiserver uses, keeps closing them as they idle.
        const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
        server.once('close', () => clearInterval(closeIdle));
      },
      closeStorage,
      drainDelayMs: this.config.shutdownDelayMs,
    });
  }

  /**
   * What requests pass before their handler: a log line for every request; then, for all
   * but the health probes, the guards: authentication, the in-flight limit, the timeout.
   */
  private filters(): { logRequest: Filter; guards: Filter[] } {
    const { logger, authenticator } = this.config;
    const logRequest: Filter = (req, res, next) => {
      const started = process.hrtime.bigint();
      const path = req.url;
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        logger.debug({ method: req.method, path, code: res.statusCode, ms, user: (req as Authenticated).user?.name }, 'request');
      });
      next();
    };
    return { logRequest, guards: [authenticationFilter(authenticator), maxInFlight(this.config.inFlight), requestTimeout(this.config.requestTimeoutMs)] };
  }

  /** Every failure leaves as a metav1.Status; anything unexpected is a 500 that is logged. */
  private fail(err: unknown, req: IncomingMessage, res: ServerResponse): void {
    const status = errors.toStatus(err);
    if (status.code >= 500) this.config.logger.error({ err, path: req.url }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(status.code, { 'Content-Type': 'application/json' }).end(JSON.stringify(status));
  }

  private app({ logRequest, guards }: { logRequest: Filter; guards: Filter[] }): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.disable('etag');
    app.set('query parser', false);
    const discovery = buildDiscovery(this.config.kinds, (kind) => {
      const served = this.resources.get(`${kind.group}/${kind.version}/${kind.plural}`);
      return [...(served?.subresources ?? [])].map(([name, h]) => ({ name, kind: h.responseKind, verbs: Object.values(h.methods) as string[] }));
    });

    app.use(logRequest);

    // Probes answer without credentials, as kube-apiserver's do. Only readiness fails
    // while draining: the process is alive, it just wants no new traffic.
    app.get(['/livez', '/healthz/ping', '/livez/ping'], (_req, res) => void res.type('text/plain').send('ok'));
    app.get(['/readyz', '/healthz'], async (req, res) => {
      if (this.draining && req.path === '/readyz') {
        return void res.status(503).type('text/plain').send('[-]shutdown failed: process is shutting down\nreadyz check failed');
      }
      const ready = await this.storageAnswers();
      res.status(ready ? 200 : 503).type('text/plain').send(ready ? 'ok' : '[-]storage failed: storage is not answering\nreadyz check failed');
    });

    app.use(...guards);
    // What express serves names no resource (discovery, /openapi, /version, /metrics,
    // unknown paths): it is authorized by path. Resource requests are authorized in
    // serveResource, where their verb is known.
    app.use(async (req: AuthedRequest, _res: Response, next: NextFunction) => {
      try {
        await this.authorize(nonResourceAttributes(req.user!, req.method, requestUrl(req).pathname));
        next();
      } catch (err) {
        next(err);
      }
    });

    app.get('/version', (_req, res) => void res.json(SERVER_VERSION));
    app.get('/metrics', async (_req, res) => {
      res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
    });
    app.use(openApiRouter(this.config.kinds));

    app.get('/api', (_req, res) => void res.json({ kind: 'APIVersions', versions: [], serverAddressByClientCIDRs: [] }));
    app.get('/apis', (req, res) => {
      const choice = negotiate(req.headers.accept, ['APIGroupDiscoveryList']);
      res.vary('Accept');
      if (choice?.transform === 'APIGroupDiscoveryList') {
        const doc = choice.transformVersion === 'apidiscovery.k8s.io/v2beta1' ? discovery.aggregated.v2beta1 : discovery.aggregated.v2;
        res.set({ ETag: doc.etag, 'Content-Type': choice.contentType });
        if (req.headers['if-none-match'] === doc.etag) return void res.status(304).end();
        return void res.send(doc.body);
      }
      res.json(discovery.apis);
    });
    app.get('/apis/:group', (req, res, next) => {
      const doc = discovery.groups.get(req.params.group!);
      if (!doc) return next();
      res.json(doc);
    });
    app.get('/apis/:group/:version', (req, res, next) => {
      const doc = discovery.resourceLists.get(`${req.params.group}/${req.params.version}`);
      if (!doc) return next();
      res.json(doc);
    });

    app.use((req: Request, _res: Response, next: NextFunction) => {
      next(errors.notFound({ group: '', resource: '' }, req.path));
    });
    app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => this.fail(err, req, res));
    return app;
  }

  private async serveResource(req: IncomingMessage & Authenticated, res: ServerResponse, path: ResourcePath, url: URL): Promise<void> {
    const served = this.resources.get(`${path.group}/${path.version}/${path.resource}`);
    if (!served) throw errors.notFound({ group: path.group, resource: path.resource }, path.name ?? '');
    const custom = path.subresource ? served.subresources.get(path.subresource) : undefined;
    const method = req.method ?? 'GET';
    const verb = requestVerb(method, path, url.searchParams, custom);
    if (!verb) throw errors.methodNotSupported({ group: path.group, resource: path.resource }, method);
    await this.authorize(resourceAttributes(req.user!, verb, path, url.pathname));
    const metricVerb = METRIC_VERBS[verb];
    const timer = this.metrics.requestDuration.startTimer({ verb: metricVerb, group: path.group, resource: path.resource, subresource: path.subresource });
    res.on('finish', () => {
      if (verb !== 'watch') timer();
      this.metrics.requests.inc({ verb: metricVerb, group: path.group, resource: path.resource, subresource: path.subresource, code: String(res.statusCode) });
    });
    if (custom) {
      if (served.store.namespaced && !path.namespace) throw errors.notFound({ group: path.group, resource: path.resource }, path.name!);
      await custom.handle(req, res, { store: served.store, namespace: path.namespace, name: path.name!, query: url.searchParams });
      return;
    }
    await handleResource(req, res, served, path, verb, url.searchParams, this.watchSettings);
  }

  /** Throws 403 Forbidden, worded as kube-apiserver words it, unless the authorizer allows. */
  private async authorize(attrs: RequestAttributes): Promise<void> {
    const decision = await this.config.authorizer.authorize(attrs);
    if (!decision.allowed) throw forbiddenError(attrs, decision);
  }

  private async storageAnswers(): Promise<boolean> {
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref());
    return Promise.race([this.config.storage.currentRevision().then(() => true, () => false), timeout]);
  }
}

/** The resource a URL names, or null for discovery and other non-resource paths (and for malformed escapes). */
function resourcePath(pathname: string): ResourcePath | null {
  try {
    return parseResourcePath(pathname);
  } catch {
    return null;
  }
}
