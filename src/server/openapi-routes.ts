// `/openapi/v2`, `/openapi/v3` and `/openapi/v3/apis/<group>/<version>`, served as
// kube-apiserver serves them: documents built once, an ETag of their content hash, and
// group-version documents fetched through the index's `?hash=` links cacheable for good.
import { Router, type Request, type Response } from 'express';
import { groupVersions, type KindDefinition } from '../api/kinds.js';
import { serializeDocument, type SerializedDocument } from '../api/openapi/document.js';
import { buildOpenApiV2 } from '../api/openapi/v2.js';
import { buildOpenApiV3, buildOpenApiV3Index, openApiV3Path } from '../api/openapi/v3.js';
import * as errors from '../meta/status.js';
import type { ApiError } from '../meta/status.js';
import { parseAccept } from './negotiation.js';

// We publish JSON only. kube also answers in protobuf; a client that asks for nothing
// else gets 406 (client-go then tries its legacy path, and kubectl goes on with v3).
const JSON_RANGES = new Set(['application/json', 'application/*', '*/*']);

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

function acceptsJson(req: Request): boolean {
  return parseAccept(req.headers.accept).some((range) => JSON_RANGES.has(range.type));
}

// If-None-Match decides alone, as in Go's http.ServeContent: express's req.fresh also
// gives up when the request says `Cache-Control: no-cache`, which fetch() adds to
// every conditional request.
function clientHas(req: Request, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

function sendStatus(res: Response, err: ApiError): void {
  res.status(err.status.code).type('application/json').send(JSON.stringify(err.status));
}

// Without a content-naming URL a client must revalidate (cheaply, by ETag) every time.
const REVALIDATE = { 'Cache-Control': 'no-cache, private' };

function sendDocument(req: Request, res: Response, doc: SerializedDocument, caching: Record<string, string> = REVALIDATE): void {
  // The answer depends on Accept even where only JSON is ever sent: caches must not
  // hand a JSON answer to a client that asked for something else.
  res.vary('Accept');
  if (!acceptsJson(req)) {
    sendStatus(res, errors.notAcceptable('only the following media types are accepted: application/json'));
    return;
  }
  const etag = `"${doc.hash}"`;
  res.set({ ETag: etag, ...caching });
  res.type('application/json');
  if (clientHas(req, etag)) {
    res.status(304).end();
    return;
  }
  res.send(doc.body);
}

export function openApiRouter(kinds: KindDefinition[]): Router {
  const v2 = serializeDocument(buildOpenApiV2(kinds));
  const v3Index = serializeDocument(buildOpenApiV3Index(kinds));
  const v3ByPath = new Map(
    groupVersions(kinds).map(({ group, version }) => [openApiV3Path(group, version), serializeDocument(buildOpenApiV3(kinds, group, version))]),
  );

  const router = Router();
  router.get('/openapi/v2', (req, res) => sendDocument(req, res, v2));
  router.get('/openapi/v3', (req, res) => sendDocument(req, res, v3Index));
  router.get('/openapi/v3/apis/:group/:version', (req, res) => {
    const path = openApiV3Path(req.params.group!, req.params.version!);
    const doc = v3ByPath.get(path);
    if (!doc) {
      sendStatus(res, errors.notFound({ group: '', resource: '' }, `/openapi/v3/${path}`));
      return;
    }
    const hash = req.query.hash;
    if (typeof hash !== 'string' || hash === '') {
      sendDocument(req, res, doc);
      return;
    }
    // A link from an older index: send the client to the document as it is now.
    if (hash !== doc.hash) {
      res.redirect(301, `/openapi/v3/${path}?hash=${doc.hash}`);
      return;
    }
    // The URL names this exact content, so what it names can never change.
    sendDocument(req, res, doc, {
      'Cache-Control': `public, immutable, max-age=${ONE_YEAR_SECONDS}`,
      Expires: new Date(Date.now() + ONE_YEAR_SECONDS * 1000).toUTCString(),
    });
  });
  return router;
}
