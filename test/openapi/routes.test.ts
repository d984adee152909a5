import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKinds } from '../../src/api/kinds.js';
import { buildOpenApiV2 } from '../../src/api/openapi/v2.js';
import { buildOpenApiV3 } from '../../src/api/openapi/v3.js';
import { openApiRouter } from '../../src/server/openapi-routes.js';

const kinds = loadKinds();
const sha512 = (text: string) => createHash('sha512').update(text).digest('hex').toUpperCase();
const bgpHash = sha512(JSON.stringify(buildOpenApiV3(kinds, 'bgp.miloapis.com', 'v1alpha1')));
const PROTOBUF_V2 = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(openApiRouter(kinds));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers, redirect: 'manual' });

describe('openApiRouter', () => {
  it('serves /openapi/v2 as JSON with its content hash as ETag, and 304 when the client has it', async () => {
    const res = await get('/openapi/v2', { accept: 'application/json' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual(buildOpenApiV2(kinds));
    expect(res.headers.get('etag')).toBe(`"${sha512(body)}"`);
    expect(res.headers.get('vary')).toMatch(/Accept/);
    expect(res.headers.get('cache-control')).toMatch(/no-cache/);

    const again = await get('/openapi/v2', { 'if-none-match': res.headers.get('etag')! });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await get('/openapi/v2', { 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('answers JSON when JSON is acceptable at all, 406 Status when only protobuf is', async () => {
    const mixed = await get('/openapi/v2', { accept: `${PROTOBUF_V2}, application/json;q=0.5` });
    expect(mixed.status).toBe(200);
    expect(mixed.headers.get('content-type')).toMatch(/^application\/json/);

    const protobufOnly = await get('/openapi/v2', { accept: PROTOBUF_V2 });
    expect(protobufOnly.status).toBe(406);
    expect(await protobufOnly.json()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotAcceptable', code: 406 });
  });

  it('serves the /openapi/v3 index, whose links lead to the group-version documents', async () => {
    const res = await get('/openapi/v3');
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(res.headers.get('etag')).toBe(`"${sha512(body)}"`);
    const index = JSON.parse(body) as { paths: Record<string, { serverRelativeURL: string }> };
    expect(index.paths['apis/bgp.miloapis.com/v1alpha1']!.serverRelativeURL).toBe(`/openapi/v3/apis/bgp.miloapis.com/v1alpha1?hash=${bgpHash}`);

    for (const { serverRelativeURL } of Object.values(index.paths)) {
      const doc = await get(serverRelativeURL, { accept: 'application/json' });
      expect(doc.status).toBe(200);
      const text = await doc.text();
      expect(serverRelativeURL).toContain(`hash=${sha512(text)}`);
      // A URL that names its content is cacheable for good.
      expect(doc.headers.get('cache-control')).toMatch(/public/);
      expect(doc.headers.get('cache-control')).toMatch(/immutable/);
      expect(doc.headers.get('cache-control')).toMatch(/max-age=\d{6,}/);
      expect(doc.headers.get('vary')).toMatch(/Accept/);
      expect(doc.headers.get('etag')).toBe(`"${sha512(text)}"`);
    }
  });

  it('makes a group-version document fetched without a hash revalidate, and redirects a stale hash', async () => {
    const plain = await get('/openapi/v3/apis/bgp.miloapis.com/v1alpha1');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cache-control')).not.toMatch(/immutable/);
    expect(plain.headers.get('cache-control')).toMatch(/no-cache/);
    expect((await get('/openapi/v3/apis/bgp.miloapis.com/v1alpha1', { 'if-none-match': `"${bgpHash}"` })).status).toBe(304);

    const stale = await get('/openapi/v3/apis/bgp.miloapis.com/v1alpha1?hash=0123ABCD');
    expect(stale.status).toBe(301);
    expect(stale.headers.get('location')).toBe(`/openapi/v3/apis/bgp.miloapis.com/v1alpha1?hash=${bgpHash}`);
  });

  it('answers 404 Status for a group version it does not serve', async () => {
    const res = await get('/openapi/v3/apis/apps/v1');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  });
});
