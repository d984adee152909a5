// The REST verbs on resources, generic over kinds: parse the request's options, call the
// resource's store, and answer in the negotiated representation. Nothing here knows a
// kind by name.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FieldValidation } from '../admission/types.js';
import { deepCopy, type KubeObject } from '../api/object.js';
import { parseFieldSelector } from '../meta/fields.js';
import { parseLabelSelector } from '../meta/labels.js';
import * as errors from '../meta/status.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../patch/index.js';
import { fieldManagerErrors, managerFromUserAgent } from '../registry/fieldmanager/index.js';
import { ObjectFilter } from '../registry/filter.js';
import type { DeleteOptions, ResourceStore, WriteOptions } from '../registry/resource-store.js';
import { decodeDocument, duplicateFieldWarnings, mediaType, readBody, readDeleteOptions, readObjectBody } from './body.js';
import { duplicateYamlFields } from './duplicate-fields.js';
import { MEDIA_TYPES, negotiate, type MediaChoice, type Serializer, type Transform } from './negotiation.js';
import { serialize, transformList, transformObject, type TransformContext } from './representation.js';
import type { ResourcePath } from './resource-path.js';
import type { IncludeObject, TableConvertor } from './table.js';
import { duplicateJsonFields } from './duplicate-fields.js';
import { WatchStream } from './watch-stream.js';

export interface ServedResource {
  store: ResourceStore;
  table: TableConvertor;
  /** Subresources beyond status that this kind's registration adds (e.g. rib, allocate). */
  subresources: Map<string, SubresourceHandler>;
}

/** The object a custom subresource request is about. */
export interface SubresourceTarget {
  store: ResourceStore;
  namespace?: string;
  name: string;
  query: URLSearchParams;
}

/**
 * A subresource served by its own code, registered per kind as data. `methods` maps the
 * HTTP methods it answers to the verbs authorization and discovery see.
 */
export interface SubresourceHandler {
  methods: Partial<Record<string, Verb>>;
  /** The kind its responses carry, for discovery (e.g. RIB, AddressAllocation). */
  responseKind: string;
  handle(req: IncomingMessage, res: ServerResponse, target: SubresourceTarget): Promise<void>;
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface WatchSettings {
  bookmarkIntervalMs: number;
  /** Watches without timeoutSeconds end after a random time in [min, 2*min), as kube's do. */
  minRequestTimeoutSeconds: number;
  onWatchStart(resource: ServedResource): () => void;
}

const OBJECT_TRANSFORMS: Transform[] = ['Table', 'PartialObjectMetadata'];
const LIST_TRANSFORMS: Transform[] = ['Table', 'PartialObjectMetadataList'];
const WATCH_TRANSFORMS: Transform[] = ['Table', 'PartialObjectMetadata', 'PartialObjectMetadataList'];

export function requestVerb(method: string, path: ResourcePath, query: URLSearchParams, custom?: SubresourceHandler): Verb | null {
  if (custom) return path.name ? (custom.methods[method] ?? null) : null;
  const watch = path.watchPrefix || query.get('watch') === 'true' || query.get('watch') === '1';
  switch (method) {
    case 'GET':
      if (watch) return 'watch';
      return path.name ? 'get' : 'list';
    case 'POST':
      return path.name ? null : 'create';
    case 'PUT':
      return path.name ? 'update' : null;
    case 'PATCH':
      return path.name ? 'patch' : null;
    case 'DELETE':
      return path.name ? 'delete' : 'deletecollection';
    default:
      return null;
  }
}

export async function handleResource(
  req: IncomingMessage,
  res: ServerResponse,
  served: ServedResource,
  path: ResourcePath,
  verb: Verb,
  query: URLSearchParams,
  watchSettings: WatchSettings,
): Promise<void> {
  const { store } = served;
  if (path.subresource && (path.subresource !== 'status' || !store.kind.hasStatus)) {
    throw errors.notFound({ group: path.group, resource: `${path.resource}/${path.subresource}` }, path.name ?? '');
  }
  if (path.subresource && !['get', 'update', 'patch'].includes(verb)) {
    throw errors.methodNotSupported({ group: path.group, resource: `${path.resource}/${path.subresource}` }, verb);
  }
  if (store.namespaced && !path.namespace && !['list', 'watch'].includes(verb)) {
    throw errors.notFound({ group: path.group, resource: path.resource }, path.name ?? '');
  }
  const accept = req.headers.accept;
  const allowed = verb === 'list' || verb === 'deletecollection' ? LIST_TRANSFORMS : verb === 'watch' ? WATCH_TRANSFORMS : OBJECT_TRANSFORMS;
  // A watch stream has no YAML form.
  const serializers: Serializer[] = verb === 'watch' ? ['json', 'protobuf'] : ['json', 'yaml', 'protobuf'];
  const choice = negotiate(accept, allowed, serializers);
  if (!choice) throw errors.notAcceptable(`only the following media types are accepted: ${serializers.map((s) => MEDIA_TYPES[s]).join(', ')}`);
  const ctx: TransformContext = { choice, table: served.table, includeObject: includeObject(query) };
  const ns = path.namespace;

  switch (verb) {
    case 'get': {
      const obj = await store.get(ns, path.name!, query.get('resourceVersion') ?? undefined);
      return send(res, 200, transformObject(obj, ctx), choice);
    }
    case 'list': {
      const list = await store.list({
        namespace: ns,
        filter: filterFrom(query),
        limit: intParam(query, 'limit'),
        continueToken: query.get('continue') || undefined,
        resourceVersion: query.get('resourceVersion') ?? undefined,
        resourceVersionMatch: rvMatch(query),
      });
      if (query.has('sendInitialEvents')) throw errors.badRequest('sendInitialEvents is forbidden for list');
      return send(res, 200, transformList(list, ctx), choice);
    }
    case 'watch':
      return watch(res, served, path, query, ctx, watchSettings);
    case 'create': {
      const opts = writeOptions(req, query, 'CreateOptions');
      const { object, duplicateFields } = await readObjectBody(req);
      const warnings = duplicateFieldWarnings(duplicateFields, opts.fieldValidation!);
      const result = await store.create(ns, object as KubeObject, opts);
      return send(res, 201, transformObject(result.object, ctx), choice, [...warnings, ...result.warnings]);
    }
    case 'update': {
      const opts = writeOptions(req, query, 'UpdateOptions');
      const { object, duplicateFields } = await readObjectBody(req);
      const body = object as KubeObject;
      const warnings = duplicateFieldWarnings(duplicateFields, opts.fieldValidation!);
      const result = await store.update(
        { namespace: ns, name: path.name!, subresource: path.subresource, mutate: () => deepCopy(body), retryOnConflict: !body.metadata?.resourceVersion },
        opts,
      );
      return send(res, 200, transformObject(result.object, ctx), choice, [...warnings, ...result.warnings]);
    }
    case 'patch': {
      if (mediaType(req) === APPLY_PATCH) {
        const opts = writeOptions(req, query, 'PatchOptions', { apply: true });
        const { configuration, warnings } = await readApplyConfiguration(req, opts.fieldValidation!);
        const result = await store.apply({ namespace: ns, name: path.name!, subresource: path.subresource, configuration, force: opts.force }, opts);
        return send(res, result.created ? 201 : 200, transformObject(result.object, ctx), choice, [...warnings, ...result.warnings]);
      }
      const opts = writeOptions(req, query, 'PatchOptions');
      const { patch, warnings } = await readPatch(req, opts.fieldValidation!);
      const result = await store.update(
        { namespace: ns, name: path.name!, subresource: path.subresource, mutate: (current) => patch(current, store), retryOnConflict: true },
        opts,
      );
      return send(res, 200, transformObject(result.object, ctx), choice, [...warnings, ...result.warnings]);
    }
    case 'delete': {
      const opts = await deleteOptions(req, query);
      const result = await store.delete(ns, path.name!, opts);
      // kube answers 202 for a delete left pending (finalizers) only when the client set
      // orphanDependents=false; 200 otherwise, which old clients depend on.
      const code = !result.deleted && opts.orphanDependents === false ? 202 : 200;
      return send(res, code, transformObject(result.object, ctx), choice);
    }
    case 'deletecollection': {
      const opts = await deleteOptions(req, query);
      const list = await store.list({ namespace: ns, filter: filterFrom(query) });
      const deleted: KubeObject[] = [];
      for (const obj of list.items) {
        try {
          deleted.push((await store.delete(obj.metadata.namespace, obj.metadata.name!, opts)).object);
        } catch (err) {
          // Gone since the list was read: nothing left to delete.
          if (!(errors.isApiError(err) && err.status.code === 404)) throw err;
        }
      }
      return send(res, 200, transformList({ ...list, items: deleted }, ctx), choice);
    }
  }
}

async function watch(
  res: ServerResponse,
  served: ServedResource,
  path: ResourcePath,
  query: URLSearchParams,
  transform: TransformContext,
  settings: WatchSettings,
): Promise<void> {
  const { store } = served;
  let filter = filterFrom(query);
  if (path.name) filter = filterFrom(query, path.name);
  const sendInitialEvents = boolParam(query, 'sendInitialEvents');
  const allowBookmarks = boolParam(query, 'allowWatchBookmarks') ?? false;
  if (sendInitialEvents !== undefined) {
    if (rvMatch(query) !== 'NotOlderThan') {
      throw errors.invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
        errors.fieldForbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'),
      ]);
    }
    if (sendInitialEvents && !allowBookmarks) {
      throw errors.invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
        errors.fieldForbidden('allowWatchBookmarks', 'allowWatchBookmarks must be set to true when sendInitialEvents is true'),
      ]);
    }
  }
  const timeoutSeconds = intParam(query, 'timeoutSeconds') ?? settings.minRequestTimeoutSeconds * (1 + Math.random());
  const done = settings.onWatchStart(served);
  let unsubscribe: (() => void) | undefined;
  const stream = new WatchStream(res, {
    filter,
    namespace: path.namespace,
    transform,
    allowBookmarks,
    bookmarkIntervalMs: settings.bookmarkIntervalMs,
    timeoutMs: timeoutSeconds * 1000,
    typeMeta: { apiVersion: store.apiVersion, kind: store.kind.kind },
    onClose: () => {
      unsubscribe?.();
      done();
    },
  });
  try {
    unsubscribe = await store.watch(
      { namespace: path.namespace, filter, resourceVersion: query.get('resourceVersion') ?? undefined, sendInitialEvents },
      stream,
    );
    // The client may have gone while the cache caught up: nobody would unsubscribe later.
    if (stream.finished) unsubscribe();
  } catch (err) {
    // The stream is already open: errors travel as an ERROR event, as kube sends 410.
    stream.error(errors.toStatus(err));
  }
}

export function send(res: ServerResponse, code: number, value: unknown, choice: MediaChoice, warnings: string[] = []): void {
  // Encoded before anything is written, so an object without a protobuf form is still a clean 406.
  const body = serialize(value, choice);
  const headers: Record<string, string | string[]> = { 'Content-Type': choice.contentType, 'Cache-Control': 'no-cache, private' };
  if (warnings.length) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  if (!Array.isArray(body)) return void res.end(body);
  // A few large writes: node frames each as its own chunk, so never one per object.
  for (const part of body) res.write(part);
  res.end();
}

function filterFrom(query: URLSearchParams, name?: string): ObjectFilter {
  const labels = query.get('labelSelector');
  let fields = query.get('fieldSelector') ?? '';
  if (name) fields = fields ? `${fields},metadata.name=${name}` : `metadata.name=${name}`;
  return new ObjectFilter(labels ? parseLabelSelector(labels) : undefined, fields ? parseFieldSelector(fields) : undefined);
}

function includeObject(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject') ?? 'Metadata';
  if (value !== 'None' && value !== 'Metadata' && value !== 'Object') {
    throw errors.badRequest(`includeObject: Unsupported value: "${value}": supported values: "None", "Metadata", "Object"`);
  }
  return value;
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw errors.badRequest(`${name}: Invalid value: "${raw}": must be a non-negative integer`);
  return Number(raw);
}

function boolParam(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0' || raw === '') return false;
  throw errors.badRequest(`${name}: Invalid value: "${raw}": must be a boolean`);
}

function rvMatch(query: URLSearchParams): 'NotOlderThan' | 'Exact' | undefined {
  const raw = query.get('resourceVersionMatch');
  if (!raw) return undefined;
  if (raw !== 'NotOlderThan' && raw !== 'Exact') {
    throw errors.badRequest(`resourceVersionMatch: Unsupported value: "${raw}": supported values: "Exact", "NotOlderThan"`);
  }
  return raw;
}

function dryRun(values: string[]): boolean {
  for (const v of values) {
    if (v !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  }
  return values.length > 0;
}

type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

/**
 * A write's options from the query, checked as kube-apiserver checks them (a 422 naming
 * the options kind). Without `fieldManager`, a write other than apply is recorded under
 * the manager its User-Agent names.
 */
function writeOptions(req: IncomingMessage, query: URLSearchParams, kind: OptionsKind, { apply = false } = {}): WriteOptions & { force: boolean } {
  const fv = query.get('fieldValidation') ?? 'Warn';
  if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
    throw errors.badRequest(`fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`);
  }
  const fieldManager = query.get('fieldManager') ?? '';
  const problems = [
    // Only PatchOptions has `force`; the other kinds ignore it, as unknown parameters are.
    ...(kind === 'PatchOptions' && !apply && query.has('force') ? [errors.fieldForbidden('force', 'may not be specified for non-apply patch')] : []),
    ...(apply && !fieldManager ? [errors.fieldRequired('fieldManager', 'is required for apply patch')] : []),
    ...fieldManagerErrors(fieldManager),
  ];
  if (problems.length) throw errors.invalid({ group: 'meta.k8s.io', kind }, '', problems);
  return {
    dryRun: dryRun(query.getAll('dryRun')),
    fieldValidation: fv as FieldValidation,
    fieldManager: fieldManager || managerFromUserAgent(req.headers['user-agent'] ?? ''),
    force: apply && (boolParam(query, 'force') ?? false),
  };
}

async function deleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions & { orphanDependents?: boolean }> {
  const body = (await readDeleteOptions(req)) as {
    preconditions?: { uid?: string; resourceVersion?: string };
    propagationPolicy?: string;
    orphanDependents?: boolean;
    dryRun?: string[];
  };
  const orphanDependents = query.has('orphanDependents') ? query.get('orphanDependents') === 'true' : body.orphanDependents;
  const policy = query.get('propagationPolicy') ?? body.propagationPolicy ?? (orphanDependents ? 'Orphan' : undefined);
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
    throw errors.badRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Background", "Foreground", "Orphan"`);
  }
  return {
    dryRun: dryRun([...query.getAll('dryRun'), ...(body.dryRun ?? [])]),
    preconditions: body.preconditions,
    propagationPolicy: policy,
    orphanDependents,
  };
}

const APPLY_PATCH = 'application/apply-patch+yaml';

/** The media types a PATCH body may come in, as a 415 lists them. */
const PATCH_MEDIA_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', APPLY_PATCH];

/** An apply patch: one YAML (or JSON) document; keys it repeats are treated per fieldValidation. */
async function readApplyConfiguration(req: IncomingMessage, fieldValidation: FieldValidation): Promise<{ configuration: unknown; warnings: string[] }> {
  const raw = await readBody(req);
  const configuration = decodeDocument(raw, 'yaml', 'patch');
  return { configuration, warnings: duplicateFieldWarnings(duplicateYamlFields(raw.toString('utf8')), fieldValidation) };
}

type PatchFn = (current: KubeObject, store: ResourceStore) => KubeObject;

/** The patch, and warnings for keys it repeats (an error under Strict, as kube strict-decodes patches). */
async function readPatch(req: IncomingMessage, fieldValidation: FieldValidation): Promise<{ patch: PatchFn; warnings: string[] }> {
  const type = mediaType(req);
  if (!PATCH_APPLIERS[type]) throw errors.unsupportedMediaType(type, PATCH_MEDIA_TYPES);
  const raw = await readBody(req);
  const document = decodeDocument(raw, 'json', 'patch');
  const warnings = duplicateFieldWarnings(duplicateJsonFields(raw.toString('utf8')), fieldValidation);
  return { patch: PATCH_APPLIERS[type](document), warnings };
}

const PATCH_APPLIERS: Record<string, (document: unknown) => PatchFn> = {
  'application/json-patch+json': (ops) => {
    if (!Array.isArray(ops)) throw errors.badRequest('a JSON patch must be an array of operations');
    return (current) => applyJsonPatch(current, ops) as KubeObject;
  },
  'application/merge-patch+json': (patch) => (current) => applyMergePatch(current, patch) as KubeObject,
  'application/strategic-merge-patch+json': (patch) => (current, store) => applyStrategicMergePatch(current, patch, store.kind.schema) as KubeObject,
};
