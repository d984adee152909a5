// The agent's live RIB endpoint: HTTPS, and only for clients presenting a certificate
// signed by the client CA (the API server's), so routing tables are not public.
//
//   GET /ribs/<namespace>/<router>  → 200 RIB (rib/types.ts)
//                                   → 404 Status: not a router of this node
//                                   → 503 Status: the routing runtime does not answer
//   GET /healthz                    → 200 "ok"
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { isApiError, methodNotSupported, notFound, serviceUnavailable, toStatus } from '../../meta/status.js';
import type { ObjectRef } from '../desired-state.js';
import { BGP_GROUP } from '../watch/resources.js';
import type { Rib } from './types.js';

export const RIB_PATH_PREFIX = '/ribs/';

export interface RibServerOptions {
  /** PEM. */
  cert: string;
  key: string;
  /** PEM of the CA whose client certificates may read RIBs. */
  clientCa: string;
  host: string;
  port: number;
  /** The router's RIB; undefined when the router is not one of this node's. Throws when the runtime is unreachable. */
  rib(router: ObjectRef): Promise<Rib | undefined>;
  logger: Logger;
}

const ROUTERS = { group: BGP_GROUP, resource: 'bgprouters' };

export class RibServer {
  private server: Server | undefined;

  constructor(private readonly opts: RibServerOptions) {}

  /** Returns the bound port. */
  async start(): Promise<number> {
    const server = createServer(
      { cert: this.opts.cert, key: this.opts.key, ca: this.opts.clientCa, requestCert: true, rejectUnauthorized: true },
      (req, res) => void this.handle(req, res),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = new URL(req.url ?? '/', 'https://agent').pathname;
      if (req.method !== 'GET') throw methodNotSupported(ROUTERS, req.method ?? '');
      if (path === '/healthz') return send(res, 200, 'text/plain', 'ok');
      const [namespace, name, ...rest] = path.startsWith(RIB_PATH_PREFIX) ? path.slice(RIB_PATH_PREFIX.length).split('/').map(decodeURIComponent) : [];
      if (!namespace || !name || rest.length) throw notFound({ group: '', resource: 'path' }, path);
      let rib: Rib | undefined;
      try {
        rib = await this.opts.rib({ kind: 'BGPRouter', namespace, name });
      } catch (err) {
        throw serviceUnavailable(`the routing runtime did not answer: ${(err as Error).message}`);
      }
      if (!rib) throw notFound(ROUTERS, name);
      send(res, 200, 'application/json', JSON.stringify(rib));
    } catch (err) {
      if (!isApiError(err)) this.opts.logger.error({ err }, 'RIB request failed');
      const status = toStatus(err);
      send(res, status.code, 'application/json', JSON.stringify(status));
    }
  }
}

function send(res: ServerResponse, code: number, contentType: string, body: string): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
