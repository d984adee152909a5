// A STAND-IN for the core kube-apiserver, as far as an aggregated server talks to it:
// TokenReview, SubjectAccessReview, and list + watch of the
// kube-system/extension-apiserver-authentication ConfigMap. No kube-apiserver binary
// can be had on these machines; this local HTTPS server answers those four calls the
// way kube-apiserver does, and counts them so tests can see what was (not) asked.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { renderKubeconfig } from '../../src/pki/kubeconfig.js';
import { createCa, issue } from './certificates.js';

export interface TokenUser {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface ReviewedSpec {
  user: string;
  groups?: string[];
  resourceAttributes?: Record<string, string>;
  nonResourceAttributes?: { path: string; verb: string };
}

export interface CoreApiServerStandIn {
  url: string;
  /** Tokens TokenReview accepts. */
  tokens: Map<string, TokenUser>;
  /** Reviews fail with 500, or never get an answer; ConfigMap reads are unaffected. */
  outage: 'none' | 'error' | 'hang';
  /** Decides a SubjectAccessReview; the default allows everything. */
  authorize: (spec: ReviewedSpec) => { allowed: boolean; reason?: string };
  tokenReviews: string[];
  accessReviews: ReviewedSpec[];
  configMapReads: number;
  configMapWatches: number;
  /** Replaces the ConfigMap's data and tells every open watch. */
  setAuthenticationConfigMap(data: Record<string, string>): void;
  /** A kubeconfig for this server, written to `path`. */
  writeKubeconfig(path: string): Promise<void>;
  close(): Promise<void>;
}

const CONFIGMAP_PATH = '/api/v1/namespaces/kube-system/configmaps';

export async function startCoreApiServerStandIn(initialConfigMap: Record<string, string>): Promise<CoreApiServerStandIn> {
  const ca = await createCa('stand-in-core-apiserver-ca');
  const serving = await issue(ca, { commonName: 'kube-apiserver', usage: 'server', hosts: ['127.0.0.1', 'localhost'] });
  const client = await issue(ca, { commonName: 'cosmos-apiserver' });
  let revision = 100;
  let configMap = configMapObject(initialConfigMap, revision);
  const watchers = new Set<ServerResponse>();

  const standIn: CoreApiServerStandIn = {
    url: '',
    tokens: new Map(),
    outage: 'none',
    authorize: () => ({ allowed: true }),
    tokenReviews: [],
    accessReviews: [],
    configMapReads: 0,
    configMapWatches: 0,
    setAuthenticationConfigMap(data) {
      configMap = configMapObject(data, ++revision);
      for (const res of watchers) res.write(JSON.stringify({ type: 'MODIFIED', object: configMap }) + '\n');
    },
    writeKubeconfig: (path) =>
      writeFile(
        path,
        renderKubeconfig({ clusterName: 'stand-in', server: standIn.url, caPem: ca.certPem, user: 'cosmos-apiserver', clientCertPem: client.certPem, clientKeyPem: client.keyPem }),
        { mode: 0o600 },
      ),
    close: async () => {
      for (const res of watchers) res.end();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const body = await readJson(req);
    if (req.method === 'POST' && standIn.outage !== 'none') {
      if (standIn.outage === 'hang') return;
      return send(res, 500, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'InternalError', code: 500, message: 'stand-in outage' });
    }
    if (req.method === 'POST' && url.pathname === '/apis/authentication.k8s.io/v1/tokenreviews') {
      const token = body.spec.token as string;
      standIn.tokenReviews.push(token);
      const user = standIn.tokens.get(token);
      return send(res, 201, { ...body, status: user ? { authenticated: true, user } : { authenticated: false } });
    }
    if (req.method === 'POST' && url.pathname === '/apis/authorization.k8s.io/v1/subjectaccessreviews') {
      standIn.accessReviews.push(body.spec);
      const decision = standIn.authorize(body.spec);
      return send(res, 201, { ...body, status: { allowed: decision.allowed, ...(decision.reason && { reason: decision.reason }) } });
    }
    if (req.method === 'GET' && url.pathname === CONFIGMAP_PATH) {
      if (url.searchParams.get('fieldSelector') !== 'metadata.name=extension-apiserver-authentication') {
        return send(res, 403, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: 'only the authentication ConfigMap by name' });
      }
      if (url.searchParams.get('watch') !== 'true') {
        standIn.configMapReads++;
        return send(res, 200, { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: String(revision) }, items: [configMap] });
      }
      standIn.configMapWatches++;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      if (Number(url.searchParams.get('resourceVersion') ?? 0) < revision) res.write(JSON.stringify({ type: 'MODIFIED', object: configMap }) + '\n');
      watchers.add(res);
      res.on('close', () => watchers.delete(res));
      return;
    }
    send(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not served by the stand-in' });
  };

  const server: Server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    handle(req, res).catch((err) => send(res, 500, { message: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return standIn;
}

function configMapObject(data: Record<string, string>, revision: number): object {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'extension-apiserver-authentication', namespace: 'kube-system', resourceVersion: String(revision), uid: 'stand-in' },
    data,
  };
}

async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
