// Starts the real API server command (src/cli/apiserver.ts, as `npm start` runs it) in a
// child process on a free port and a temporary data dir, and drives it the way users do:
// the real kubectl through the generated kubeconfig, or HTTPS with the admin certificate.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { connect as connectTls } from 'node:tls';
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
  kubectl(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<KubectlResult>;
  /** Starts a long-running kubectl (`get -w`, `wait`) whose output can be awaited while it runs. */
  kubectlStream(args: string[], opts?: { env?: Record<string, string> }): KubectlStream;
  /** An HTTPS request authenticated as the admin, unless `anonymous`. */
  request(method: string, path: string, opts?: { body?: unknown; headers?: Record<string, string>; anonymous?: boolean }): Promise<HttpResult>;
  /**
   * Sends `head` (request line and headers, as written; it should ask for `Connection:
   * close`) over TLS with the admin certificate, for request targets no HTTP client would
   * send; resolves with the response's status code and body once the server closes.
   */
  rawRequest(head: string): Promise<{ status: number; body: string }>;
  /** Opens a watch and collects its newline-delimited events. */
  watch(path: string, opts?: { headers?: Record<string, string> }): WatchCollector;
  /** What the server process printed (its warnings and errors), for failure messages. */
  output(): string;
  /** SIGTERM, as Kubernetes stops a pod; resolves with the process's exit code once it is gone. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /**
   * Starts the server process again on the same port, data dir and storage (stopping it
   * first if it still runs), with `args` added to its command line from now on.
   */
  restart(opts?: { args?: string[] }): Promise<void>;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlStream {
  /** Resolves once the output so far (stdout and stderr) satisfies `predicate`. */
  until(predicate: (output: string) => boolean, timeoutMs?: number): Promise<void>;
  output(): string;
  exited: Promise<KubectlResult>;
  stop(): Promise<KubectlResult>;
}

export interface WatchCollector {
  events: { type: string; object: any }[];
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  /** Resolves once `predicate` holds for the events received so far. */
  until(predicate: (events: { type: string; object: any }[]) => boolean, timeoutMs?: number): Promise<void>;
  ended: Promise<void>;
  close(): void;
}

const ROOT = resolve(import.meta.dirname, '../..');
// The server runs in ONE process (node with tsx's loader, not the tsx wrapper that forks
// a child), so that kill() really is a crash of the server and not of a wrapper.
const NODE_ARGS = { source: ['--import', 'tsx', 'src/cli/apiserver.ts'], dist: ['dist/src/cli/apiserver.js'] };
const MAX_OUTPUT_CHARS = 200_000;

export interface Credentials {
  ca: string;
  cert: string;
  key: string;
}

export interface StartOptions {
  backend: Backend;
  etcd?: RunningEtcd;
  etcdPrefix?: string;
  /** Added to the command line. */
  args?: string[];
  /**
   * false for a server that writes no admin kubeconfig (aggregated mode, selected by
   * `args`): startup then waits only for the listening line, and `kubectl`, `request`
   * and `watch` have no credentials (nor the server's CA) to use.
   */
  kubeconfig?: boolean;
  /**
   * 'dist' runs the compiled command as `npm start` does (benchmarks measure what ships;
   * the caller builds first); tests run the sources, 'source', the default.
   */
  code?: 'source' | 'dist';
}

export async function startApiServer(opts: StartOptions = { backend: 'embedded' }): Promise<RunningApiServer> {
  const kubectlPath = requireBinary('kubectl');
  const dataDir = await mkdtemp(join(tmpdir(), 'cosmos-apiserver-'));
  const home = join(dataDir, 'home');
  let etcd = opts.etcd;
  const ownEtcd = opts.backend === 'etcd' && !etcd;
  if (ownEtcd) etcd = await startEtcd();
  const args = ['--secure-port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...(opts.args ?? [])];
  if (opts.backend === 'etcd') args.push('--etcd-servers', etcd!.endpoint, '--etcd-prefix', opts.etcdPrefix ?? '/cosmos');

  let child: ChildProcess;
  let port = 0;
  let output = '';
  // A test runner that dies must not leave the server behind.
  const killOnExit = (): void => void child?.kill('SIGKILL');
  process.once('exit', killOnExit);
  const writesKubeconfig = opts.kubeconfig ?? true;
  const exited = (): Promise<number | null> =>
    new Promise((res) => {
      if (child.exitCode !== null || child.signalCode !== null) return res(child.exitCode);
      child.once('exit', (code) => res(code));
    });
  const launch = async (): Promise<void> => {
    const launchArgs = port ? args.map((a, i) => (args[i - 1] === '--secure-port' ? String(port) : a)) : args;
    child = spawn(process.execPath, [...NODE_ARGS[opts.code ?? 'source'], ...launchArgs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let startup: string | null = '';
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`apiserver did not start:\n${startup}`)), 60_000);
      const onData = (chunk: Buffer): void => {
        output = (output + chunk.toString()).slice(-MAX_OUTPUT_CHARS);
        if (startup === null) return;
        startup += chunk.toString();
        const m = /listening on (https:\/\/\S+)/.exec(startup);
        if (m && (!writesKubeconfig || startup.includes('export KUBECONFIG='))) {
          startup = null;
          clearTimeout(timer);
          resolveUrl(m[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`apiserver exited with ${code}:\n${startup}`));
      });
    });
    port = Number(new URL(url).port);
  };
  try {
    await launch();
  } catch (err) {
    // A server that never came up (or not in time) leaves nothing behind either.
    killOnExit();
    process.off('exit', killOnExit);
    if (ownEtcd) await etcd!.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const url = `https://127.0.0.1:${port}`;
  const kubeconfig = join(dataDir, 'kubeconfig');
  const creds = writesKubeconfig ? await readCredentials(kubeconfig) : undefined;
  const adminCredentials = (): Credentials => {
    if (!creds) throw new Error('this server was started without an admin kubeconfig (aggregated mode): no credentials to use');
    return creds;
  };

  const server: RunningApiServer = {
    url,
    port,
    dataDir,
    kubeconfig,
    backend: opts.backend,
    etcd,
    kubectl: (kargs, o = {}) => {
      const p = spawnKubectl(kargs, o.env);
      p.stdin.end(o.input ?? '');
      return p.result;
    },
    kubectlStream: (kargs, o = {}) => {
      const p = spawnKubectl(kargs, o.env);
      p.stdin.end();
      return {
        until: (predicate, timeoutMs = 15_000) =>
          new Promise((res, rej) => {
            const check = (): void => {
              if (!predicate(p.output())) return;
              clearTimeout(timer);
              p.child.stdout.off('data', check);
              p.child.stderr.off('data', check);
              res();
            };
            const timer = setTimeout(() => {
              p.child.stdout.off('data', check);
              p.child.stderr.off('data', check);
              rej(new Error(`kubectl ${kargs.join(' ')}: expected output did not appear; got:\n${p.output()}`));
            }, timeoutMs);
            p.child.stdout.on('data', check);
            p.child.stderr.on('data', check);
            check();
          }),
        output: p.output,
        exited: p.result,
        stop: () => {
          p.child.kill('SIGTERM');
          return p.result;
        },
      };
    },
    request: (method, path, o = {}) => httpRequest(port, adminCredentials(), method, path, o),
    rawRequest: (head) => rawTlsRequest(port, adminCredentials(), head),
    watch: (path, o = {}) => openWatch(port, adminCredentials(), path, o.headers ?? {}),
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      const code = await exited();
      process.off('exit', killOnExit);
      if (ownEtcd) await etcd!.stop();
      await rm(dataDir, { recursive: true, force: true });
      return code;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited();
    },
    restart: async (o = {}) => {
      child.kill('SIGTERM');
      await exited();
      args.push(...(o.args ?? []));
      await launch();
    },
  };
  return server;

  function spawnKubectl(kargs: string[], env: Record<string, string> = {}) {
    // kubectl runs with the admin kubeconfig: fail plainly when the server wrote none.
    adminCredentials();
    const child = spawn(kubectlPath, kargs, { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: home, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const result = new Promise<KubectlResult>((res) => child.on('close', (code) => res({ code: code ?? -1, stdout, stderr })));
    return { child, result, stdin: child.stdin, output: () => stdout + stderr };
  }
}

/** The admin credentials and CA of a kubeconfig the server wrote. */
export async function readCredentials(kubeconfig: string): Promise<Credentials> {
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

function rawTlsRequest(port: number, creds: Credentials, head: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, ca: creds.ca, cert: creds.cert, key: creds.key, servername: 'localhost' }, () => socket.write(head));
    let response = '';
    socket.on('data', (d: Buffer) => (response += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
      resolve({ status, body: response.slice(response.indexOf('\r\n\r\n') + 4) });
    });
  });
}

function httpRequest(
  port: number,
  creds: Credentials,
  method: string,
  path: string,
  o: { body?: unknown; headers?: Record<string, string>; anonymous?: boolean },
): Promise<HttpResult> {
  const body = o.body === undefined ? undefined : typeof o.body === 'string' || Buffer.isBuffer(o.body) ? o.body : JSON.stringify(o.body);
  // Content-Length always: node sends a DELETE body neither chunked nor delimited otherwise.
  const headers: Record<string, string> = {
    ...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}),
    ...o.headers,
  };
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
      collector.headers = res.headers;
      for (const w of [...waiters]) w();
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
