// The anchors of bench/api: a bare node:https server with the API server's certificate
// and client-certificate request. It answers every request with the bytes read from
// stdin; given an etcd endpoint, it first stores each request's body under a key of its
// own with one etcd put (the least any server storing objects in etcd does per create).
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';

const [dataDir, etcdEndpoint] = process.argv.slice(2) as [string, string | undefined];
const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const body = Buffer.concat(chunks);
const etcd = etcdEndpoint ? new Etcd3({ hosts: etcdEndpoint }) : undefined;
let stored = 0;

async function store(req: IncomingMessage): Promise<void> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  await etcd?.put(`/bare/${stored++}`).value(Buffer.concat(parts));
}

const pki = join(dataDir, 'pki');
const server = createServer(
  {
    key: await readFile(join(pki, 'serving.key')),
    cert: await readFile(join(pki, 'serving.crt')),
    ca: await readFile(join(pki, 'ca.crt')),
    requestCert: true,
    rejectUnauthorized: false,
  },
  (req, res) => {
    const answer = () => {
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json' });
      res.end(body);
    };
    if (req.method !== 'POST' || !etcd) return answer();
    store(req).then(answer, (err: Error) => {
      res.writeHead(500).end(err.message);
    });
  },
);
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
