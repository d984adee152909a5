// Starts the real API server command (src/cli/apiserver.ts, as `npm start` runs it) in a
// child process on a free port and a temporary data dir, and drives it the way users do:
// the real kubectl through the generated kubeconfig, or HTTPS with the admin certificate.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { requireBinary } from './binaries.js';
import { startEtcd, type RunningEtcd } from './etcd.js';

export type Backend = 'embedded' | 'etcd';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = any>(): T;
}

export interface RunningApiServer {
  url: string;
  port: number;
  dataDir: string;
  kubeconfig: string;
  backend: Backend;
  etcd?: RunningEtcd;
  /** Runs the real kubectl against this server. Never throws on a non-zero exit. */
  kubectl(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** An HTTPS request authenticated as the admin, unless `anonymous`. */
  request(method: string, path: string, opts?: { body?: unknown; headers?: Record<string, string>; anonymous?: boolean }): Promise<HttpResult>;
  /** Opens a watch and collects its newline-delimited events. */
  watch(path: string, opts?: { headers?: Record<string, string> }): WatchCollector;
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts the server process again on the same port, data dir and storage. */
  restart(): Promise<void>;
}

export interface WatchCollector {
  events: { type: string; object: any }[];
  status?: number;
  /** Resolves once `predicate` holds for the events received so far. */
  until(predicate: (events: { type: string; object: any }[]) => boolean, timeoutMs?: number): Promise<void>;
  ended: Promise<void>;
  close(): void;
}

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

interface Credentials {
  ca: string;
  cert: string;
  key: string;
}

export async function startApiServer(opts: { backend: Backend; etcd?: RunningEtcd; etcdPrefix?: string; args?: string[] } = { backend: 'embedded' }): Promise<RunningApiServer> {
  const kubectlPath = requireBinary('kubectl');
  const dataDir = await mkdtemp(join(tmpdir(), 'cosmos-apiserver-'));
  const home = join(dataDir, 'home');
  let etcd = opts.etcd;
  const ownEtcd = opts.backend === 'etcd' && !etcd;
  if (ownEtcd) etcd = await startEtcd();
  const args = ['src/cli/apiserver.ts', '--secure-port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...(opts.args ?? [])];
  if (opts.backend === 'etcd') args.push('--etcd-servers', etcd!.endpoint, '--etcd-prefix', opts.etcdPrefix ?? '/cosmos');

  let child: ChildProcess;
  let port = 0;
  const launch = async (): Promise<void> => {
    const launchArgs = port ? args.map((a, i) => (args[i - 1] === '--secure-port' ? String(port) : a)) : args;
    child = spawn(TSX, launchArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`apiserver did not start:\n${output}`)), 60_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const m = /listening on (https:\/\/\S+)/.exec(output);
        if (m && output.includes('export KUBECONFIG=')) {
          clearTimeout(timer);
          resolveUrl(m[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`apiserver exited with ${code}:\n${output}`));
      });
    });
    port = Number(new URL(url).port);
  };
  await launch();
  const url = `https://127.0.0.1:${port}`;
  const kubeconfig = join(dataDir, 'kubeconfig');
  const creds = await readCredentials(kubeconfig);

  const exited = (): Promise<void> =>
    new Promise((res) => {
      if (child.exitCode !== null || child.signalCode !== null) return res();
      child.once('exit', () => res());
    });

  const server: RunningApiServer = {
    url,
    port,
    dataDir,
    kubeconfig,
    backend: opts.backend,
    etcd,
    kubectl: (kargs, o = {}) =>
      new Promise((res) => {
        const p = spawn(kubectlPath, kargs, { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: home, ...o.env } });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        p.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
        p.stdin.end(o.input ?? '');
      }),
    request: (method, path, o = {}) => httpRequest(port, creds, method, path, o),
    watch: (path, o = {}) => openWatch(port, creds, path, o.headers ?? {}),
    stop: async () => {
      child.kill('SIGTERM');
      await exited();
      if (ownEtcd) await etcd!.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited();
    },
    restart: async () => {
      await launch();
    },
  };
  return server;
}

async function readCredentials(kubeconfig: string): Promise<Credentials> {
  const doc = parseYaml(await readFile(kubeconfig, 'utf8')) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
  return {
    ca: b64(doc.clusters[0]!.cluster['certificate-authority-data']),
    cert: b64(doc.users[0]!.user['client-certificate-data']),
    key: b64(doc.users[0]!.user['client-key-data']),
  };
}

function httpRequest(
  port: number,
  creds: Credentials,
  method: string,
  path: string,
  o: { body?: unknown; headers?: Record<string, string>; anonymous?: boolean },
): Promise<HttpResult> {
  const body = o.body === undefined ? undefined : typeof o.body === 'string' || Buffer.isBuffer(o.body) ? o.body : JSON.stringify(o.body);
  const headers: Record<string, string> = { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...o.headers };
  return new Promise((resolveResult, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers,
        ca: creds.ca,
        ...(o.anonymous ? {} : { cert: creds.cert, key: creds.key }),
        servername: 'localhost',
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          resolveResult({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function openWatch(port: number, creds: Credentials, path: string, headers: Record<string, string>): WatchCollector {
  const events: { type: string; object: any }[] = [];
  const waiters = new Set<() => void>();
  let endResolve!: () => void;
  const ended = new Promise<void>((r) => (endResolve = r));
  const collector: WatchCollector = {
    events,
    until: (predicate, timeoutMs = 15_000) =>
      new Promise((res, rej) => {
        if (predicate(events)) return res();
        const check = (): void => {
          if (predicate(events)) {
            waiters.delete(check);
            clearTimeout(timer);
            res();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          rej(new Error(`watch condition not met; events: ${JSON.stringify(events.map((e) => [e.type, e.object?.metadata?.name]))}`));
        }, timeoutMs);
        waiters.add(check);
      }),
    ended,
    close: () => req.destroy(),
  };
  const req = httpsRequest(
    { host: '127.0.0.1', port, method: 'GET', path, headers, ca: creds.ca, cert: creds.cert, key: creds.key, servername: 'localhost' },
    (res) => {
      collector.status = res.statusCode;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buffer += d;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) events.push(JSON.parse(line));
        }
        for (const w of [...waiters]) w();
      });
      res.on('end', endResolve);
      res.on('close', endResolve);
    },
  );
  req.on('error', () => endResolve());
  req.end();
  return collector;
}
