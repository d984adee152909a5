// HTTPS to a test API server with bodies as bytes, for the protobuf wire format (the
// shared helper in test/support reads bodies as text): one request, or a watch whose
// length-prefixed frames are collected as they arrive.
import { readFile } from 'node:fs/promises';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { parse as parseYaml } from 'yaml';
import type { RunningApiServer } from '../support/apiserver.js';
import { readWatchStream, type StreamEvent } from '../protobuf/watch-stream.js';

export interface BinaryResult {
  status: number;
  contentType: string;
  body: Buffer;
  json<T = any>(): T;
}

export interface BinaryClient {
  request(method: string, path: string, o?: { body?: Buffer | string; headers?: Record<string, string> }): Promise<BinaryResult>;
  /** Opens a protobuf watch; `frames()` decodes what has arrived so far. */
  watch(path: string, accept: string): ProtobufWatch;
}

export interface ProtobufWatch {
  status(): Promise<{ code: number; contentType: string }>;
  frames(): StreamEvent[];
  until(predicate: (events: StreamEvent[]) => boolean, timeoutMs?: number): Promise<StreamEvent[]>;
  ended: Promise<void>;
  close(): void;
}

export async function binaryClient(server: RunningApiServer): Promise<BinaryClient> {
  const doc = parseYaml(await readFile(server.kubeconfig, 'utf8')) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const pem = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');
  const tls: RequestOptions = {
    host: '127.0.0.1',
    port: server.port,
    servername: 'localhost',
    ca: pem(doc.clusters[0]!.cluster['certificate-authority-data']),
    cert: pem(doc.users[0]!.user['client-certificate-data']),
    key: pem(doc.users[0]!.user['client-key-data']),
  };

  return {
    request: (method, path, o = {}) =>
      new Promise((resolve, reject) => {
        const headers: Record<string, string> = { ...o.headers };
        if (o.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(o.body));
        const req = httpsRequest({ ...tls, method, path, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body, json: () => JSON.parse(body.toString('utf8')) });
          });
        });
        req.on('error', reject);
        req.end(o.body);
      }),

    watch: (path, accept) => {
      let received = Buffer.alloc(0);
      const waiters = new Set<() => void>();
      let endResolve!: () => void;
      const ended = new Promise<void>((r) => (endResolve = r));
      let statusResolve!: (s: { code: number; contentType: string }) => void;
      const status = new Promise<{ code: number; contentType: string }>((r) => (statusResolve = r));
      // Only whole frames: a chunk may end inside one.
      const frames = (): StreamEvent[] => readWatchStream(received.subarray(0, wholeFramesLength(received)));
      const req = httpsRequest({ ...tls, method: 'GET', path, headers: { Accept: accept } }, (res) => {
        statusResolve({ code: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? '') });
        res.on('data', (d: Buffer) => {
          received = Buffer.concat([received, d]);
          for (const w of [...waiters]) w();
        });
        res.on('end', endResolve);
        res.on('close', endResolve);
      });
      req.on('error', () => endResolve());
      req.end();
      return {
        status: () => status,
        frames,
        ended,
        close: () => req.destroy(),
        until: (predicate, timeoutMs = 15_000) =>
          new Promise((resolve, reject) => {
            const check = (): void => {
              const events = frames();
              if (!predicate(events)) return;
              waiters.delete(check);
              clearTimeout(timer);
              resolve(events);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              reject(new Error(`watch condition not met; events: ${frames().map((e) => e.type).join(', ')}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
      };
    },
  };
}

function wholeFramesLength(stream: Buffer): number {
  let offset = 0;
  while (offset + 4 <= stream.length) {
    const next = offset + 4 + stream.readUInt32BE(offset);
    if (next > stream.length) break;
    offset = next;
  }
  return offset;
}
