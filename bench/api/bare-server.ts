// The anchor of bench/api: a bare node:https server with the API server's certificate
// and client-certificate request, answering every request with the bytes read from stdin.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const dataDir = process.argv[2]!;
const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const body = Buffer.concat(chunks);
const pki = join(dataDir, 'pki');
const server = createServer(
  {
    key: await readFile(join(pki, 'serving.key')),
    cert: await readFile(join(pki, 'serving.crt')),
    ca: await readFile(join(pki, 'ca.crt')),
    requestCert: true,
    rejectUnauthorized: false,
  },
  (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(body);
  },
);
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
