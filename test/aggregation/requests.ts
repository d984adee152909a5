// Requests the aggregation tests make beyond one-shot calls (test/auth/harness.ts `call`):
// a watch whose end can be inspected, and a request whose body arrives only when the
// test says so, which holds a slot of the max-in-flight budget for as long as it likes.
import { Agent, request } from 'node:https';
import type { ClientOptions, Reply } from '../auth/harness.js';

export interface OpenWatch {
  status: number;
  events: { type: string; object: any }[];
  /** How the stream ended: `complete` when the server finished it properly (not cut off). */
  ended: Promise<{ complete: boolean; error?: string }>;
  /** Resolves once an event satisfies `predicate`. */
  until(predicate: (event: { type: string; object: any }) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/**
 * Opens a watch on its own connection and resolves once the response headers are in.
 * With `keepAlive` the connection stays open after the watch ends, as kubectl's does.
 */
export function openWatch(port: number, path: string, options: Omit<ClientOptions, 'method' | 'body'> & { keepAlive?: boolean }): Promise<OpenWatch> {
  const agent = options.keepAlive ? new Agent({ keepAlive: true }) : false;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, ca: options.ca, servername: 'localhost', agent, headers: options.headers, ...(options.cert && { cert: options.cert, key: options.key }) },
      (res) => {
        const events: OpenWatch['events'] = [];
        const listeners = new Set<() => void>();
        let error: string | undefined;
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (line.trim()) events.push(JSON.parse(line));
          }
          listeners.forEach((listener) => listener());
        });
        res.on('error', (err) => (error = err.message));
        const ended = new Promise<{ complete: boolean; error?: string }>((done) =>
          res.on('close', () => done({ complete: res.complete, ...(error && { error }) })),
        );
        resolve({
          status: res.statusCode ?? 0,
          events,
          ended,
          until: (predicate, timeoutMs = 15_000) =>
            new Promise((met, failed) => {
              const check = (): void => {
                if (!events.some(predicate)) return;
                listeners.delete(check);
                clearTimeout(timer);
                met();
              };
              const timer = setTimeout(() => {
                listeners.delete(check);
                failed(new Error(`no such watch event; got ${JSON.stringify(events.map((e) => [e.type, e.object?.metadata?.name]))}`));
              }, timeoutMs);
              listeners.add(check);
              check();
            }),
          close: () => {
            req.destroy();
            if (agent) agent.destroy();
          },
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export interface HeldRequest {
  /** Sends the rest of the body; the answer follows. */
  finish(): Promise<Omit<Reply, 'serverSerial'>>;
}

/** Sends a request's headers and the first half of its body, and the rest on `finish()`. */
export function holdRequest(port: number, path: string, body: string, options: Omit<ClientOptions, 'body'>): HeldRequest {
  const half = Math.floor(body.length / 2);
  const req = request({
    host: '127.0.0.1',
    port,
    path,
    method: options.method ?? 'POST',
    ca: options.ca,
    servername: 'localhost',
    agent: false,
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...options.headers },
    ...(options.cert && { cert: options.cert, key: options.key }),
  });
  const answer = new Promise<Omit<Reply, 'serverSerial'>>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, half));
  return {
    finish() {
      req.end(body.slice(half));
      return answer;
    },
  };
}
