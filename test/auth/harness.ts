// The serving and security modules assembled the way the API server assembles them
// (see the wiring note in the aggregation issue): TLS that asks for but does not require
// client certificates, health probes before authentication, then authentication, the
// in-flight limit, the request timeout, authorization of resource and non-resource
// requests, and Status errors. The handlers behind that stand in for the resource
// handler: they echo who the server thinks the caller is and what headers reached them.
import { spawn } from 'node:child_process';
import express, { type NextFunction, type Request, type Response } from 'express';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { requireBinary } from '../support/binaries.js';
import * as errors from '../../src/meta/status.js';
import type { Authenticator, Authorizer, RequestAttributes, UserInfo } from '../../src/server/auth.js';
import { forbiddenError } from '../../src/server/authorization/forbidden.js';
import { authenticationFilter } from '../../src/server/authentication/filter.js';
import { nonResourceAttributes, resourceAttributes } from '../../src/server/authorization/request-attributes.js';
import { decodeDocument, readBody } from '../../src/server/body.js';
import { requestVerb } from '../../src/server/resource-handler.js';
import { parseResourcePath } from '../../src/server/resource-path.js';
import { maxInFlight, type InFlightLimits } from '../../src/server/serving/in-flight.js';
import { checkNesting } from '../../src/server/serving/nesting.js';
import { requestTimeout } from '../../src/server/serving/request-timeout.js';
import { hardenedServerOptions, type ConnectionLimits } from '../../src/server/serving/server-options.js';
import type { ServingCertificate } from '../../src/server/serving/serving-certificate.js';

export interface HarnessOptions {
  authenticator: Authenticator;
  authorizer: Authorizer;
  serving: ServingCertificate;
  inFlight?: InFlightLimits;
  requestTimeoutMs?: number;
  connectionLimits?: Partial<ConnectionLimits>;
}

export interface Harness {
  server: Server;
  port: number;
  /** Requests to /slow wait until this is called. */
  releaseSlow(): void;
  /** Ends every open /stream response cleanly, as closing the watch caches ends watches. */
  endStreams(): void;
  /** /readyz fails from now on. */
  startDraining(): void;
  close(): Promise<void>;
}

type AuthedRequest = Request & { user?: UserInfo };

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  let release!: () => void;
  let released = new Promise<void>((resolve) => (release = resolve));
  let draining = false;
  const streams = new Set<Response>();
  const app = express();
  app.set('query parser', false);

  app.get('/livez', (_req, res) => void res.type('text/plain').send('ok'));
  app.get('/readyz', (_req, res) => void res.status(draining ? 503 : 200).type('text/plain').send(draining ? 'shutting down' : 'ok'));

  app.use(authenticationFilter(options.authenticator));
  app.use(maxInFlight(options.inFlight));
  app.use(requestTimeout(options.requestTimeoutMs));
  app.use(async (req: AuthedRequest, _res: Response, next: NextFunction) => {
    try {
      const attrs = requestAttributes(req);
      const decision = await options.authorizer.authorize(attrs);
      if (!decision.allowed) throw forbiddenError(attrs, decision);
      next();
    } catch (err) {
      next(err);
    }
  });

  app.all('/slow', async (_req, res) => {
    await released;
    res.json({ slow: true });
  });
  // A stand-in for a watch: a chunked response that stays open until the server ends it.
  app.get('/stream', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"type":"BOOKMARK"}\n');
    streams.add(res);
    res.on('close', () => streams.delete(res));
  });
  app.post('/body', async (req, res) => {
    const doc = decodeDocument(await readBody(req), req.headers['content-type'] === 'application/yaml' ? 'yaml' : 'json');
    checkNesting(doc);
    res.status(201).json({ accepted: true });
  });
  app.use((req: AuthedRequest, res: Response) => {
    const seen = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name.startsWith('x-remote-') || name === 'authorization'));
    res.json({ user: req.user, headers: seen });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = errors.toStatus(err);
    if (res.headersSent) return void res.end();
    res.status(status.code).type('application/json').send(JSON.stringify(status));
  });

  const server = createServer(
    { ...options.serving.secureContextOptions(), requestCert: true, rejectUnauthorized: false, ...hardenedServerOptions(options.connectionLimits) },
    app,
  );
  options.serving.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    releaseSlow() {
      release();
      released = new Promise<void>((resolve) => (release = resolve));
    },
    endStreams: () => streams.forEach((res) => res.end()),
    startDraining: () => void (draining = true),
    async close() {
      release();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** What the API server asks the authorizer, for a resource or a non-resource request. */
function requestAttributes(req: AuthedRequest): RequestAttributes {
  const url = new URL(req.originalUrl, 'https://localhost');
  const path = parseResourcePath(url.pathname);
  const verb = path && requestVerb(req.method, path, url.searchParams);
  if (!path || !verb) return nonResourceAttributes(req.user!, req.method, url.pathname);
  return resourceAttributes(req.user!, verb, path, url.pathname);
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  /** The serial number of the certificate the server presented. */
  serverSerial: string;
}

export interface ClientOptions {
  ca: string;
  /** A client certificate chain and its key. */
  cert?: string;
  key?: string;
  headers?: Record<string, string | string[]>;
  method?: string;
  body?: string;
}

/** One request on a fresh TLS connection (no keep-alive), as a new client would make it. */
export function call(port: number, path: string, options: ClientOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        ca: options.ca,
        servername: 'localhost',
        agent: false,
        headers: options.headers,
        ...(options.cert && { cert: options.cert, key: options.key }),
      },
      (res) => {
        const serverSerial = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().serialNumber;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // plain-text answers (health probes) stay text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, serverSerial });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * The CA names the server sends when it asks for a client certificate, as openssl
 * prints them. Go clients (kube-apiserver's proxy among them) only send a certificate
 * whose issuer is on this list.
 */
export async function acceptableClientCaNames(port: number): Promise<string[]> {
  const child = spawn(requireBinary('openssl'), ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost'], { timeout: 10_000 });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stdin.end();
  await new Promise((resolve) => child.on('close', resolve));
  const section = /Acceptable client certificate CA names\n([\s\S]*?)\n(?:Requested|Client Certificate Types|---)/.exec(stdout);
  return section ? section[1]!.split('\n').map((line) => line.trim()) : [];
}
