// Content negotiation as kube-apiserver does it: the Accept list is tried in order of
// preference and the first entry we can serve wins, so a client that lists JSON after a
// representation we lack still gets JSON (never a 406 while JSON is acceptable).
import { hasProtobufForm, PROTOBUF_MEDIA_TYPE } from '../protobuf/index.js';

export type Serializer = 'json' | 'yaml' | 'protobuf';

/** The media type each serializer answers with. */
export const MEDIA_TYPES: Record<Serializer, string> = {
  json: 'application/json',
  yaml: 'application/yaml',
  protobuf: PROTOBUF_MEDIA_TYPE,
};

/** A transformed representation asked for with `as=...;g=...;v=...`. */
export type Transform = 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList' | 'APIGroupDiscoveryList';

export interface MediaChoice {
  serializer: Serializer;
  transform?: Transform;
  /** The group version of the transform (e.g. meta.k8s.io/v1, apidiscovery.k8s.io/v2). */
  transformVersion?: string;
  /** The exact Content-Type to answer with. */
  contentType: string;
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

const SERIALIZERS: Record<string, Serializer> = {
  'application/json': 'json',
  'application/yaml': 'yaml',
  [PROTOBUF_MEDIA_TYPE]: 'protobuf',
  // A client that takes anything gets JSON, as from kube-apiserver.
  '*/*': 'json',
  'application/*': 'json',
};

const TRANSFORM_VERSIONS: Record<Transform, { group: string; versions: string[] }> = {
  Table: { group: 'meta.k8s.io', versions: ['v1', 'v1beta1'] },
  PartialObjectMetadata: { group: 'meta.k8s.io', versions: ['v1', 'v1beta1'] },
  PartialObjectMetadataList: { group: 'meta.k8s.io', versions: ['v1', 'v1beta1'] },
  APIGroupDiscoveryList: { group: 'apidiscovery.k8s.io', versions: ['v2', 'v2beta1'] },
};

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header || !header.trim()) return [{ type: '*/*', params: {}, q: 1 }];
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [rawType, ...rawParams] = part.split(';');
    const type = rawType!.trim().toLowerCase();
    if (!type) continue;
    const params: Record<string, string> = {};
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
    }
    const q = params.q !== undefined ? Number(params.q) : 1;
    delete params.q;
    if (Number.isFinite(q) && q > 0) ranges.push({ type, params, q });
  }
  // Stable sort: equal q keeps the client's order.
  return ranges.map((r, i) => ({ r, i })).sort((a, b) => b.r.q - a.r.q || a.i - b.i).map(({ r }) => r);
}

/**
 * Picks the first acceptable representation, or null when nothing acceptable remains.
 * `allowed` lists the transforms this endpoint can produce; a plain answer is always
 * possible. `serializers` narrows the encodings (a watch stream has no YAML form).
 */
export function negotiate(
  header: string | undefined,
  allowed: readonly Transform[],
  serializers: readonly Serializer[] = ['json', 'yaml'],
): MediaChoice | null {
  for (const range of parseAccept(header)) {
    const serializer = SERIALIZERS[range.type];
    if (!serializer || !serializers.includes(serializer)) continue;
    const as = range.params.as;
    if (!as) return { serializer, contentType: MEDIA_TYPES[serializer] };
    const transform = as as Transform;
    const spec = TRANSFORM_VERSIONS[transform];
    if (!spec || !allowed.includes(transform)) continue;
    if ((range.params.g ?? spec.group) !== spec.group) continue;
    const version = range.params.v ?? spec.versions[0]!;
    if (!spec.versions.includes(version)) continue;
    const transformVersion = `${spec.group}/${version}`;
    // Only some transforms have messages (not the v1beta1 ones): the client's next choice decides.
    if (serializer === 'protobuf' && !hasProtobufForm({ apiVersion: transformVersion, kind: transform })) continue;
    return {
      serializer,
      transform,
      transformVersion,
      contentType: `${MEDIA_TYPES[serializer]};as=${transform};v=${version};g=${spec.group}`,
    };
  }
  return null;
}
