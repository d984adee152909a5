// Interoperability with a second protobuf implementation: protoc, driven by our .proto
// files, writes the bytes a Go client or server writes (fixtures/make-fixtures.sh, from
// text-format input that spells out Go's empty fields), and reads what we write.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKinds } from '../../src/api/kinds.js';
import { unwrapEnvelope, wrapInEnvelope } from '../../src/protobuf/envelope.js';
import { decodeEnvelope, encodeEnvelope } from '../../src/protobuf/index.js';
import { kindPackage, kindProtoFile, protoDir } from '../../src/protobuf/proto-names.js';
import { requireBinary } from '../support/binaries.js';
import { EVERY_KIND } from './objects.js';
import { readWatchStream } from './watch-stream.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const META_FILE = 'k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto';
const protoc = requireBinary('protoc');

const fixture = (name: string) => readFileSync(join(FIXTURES, name));

function runProtoc(args: string[], input: Uint8Array): Buffer {
  return execFileSync(protoc, ['-I', protoDir(), ...args], { input });
}

const rfc = '2024-05-01T10:00:00Z';

const expectedList = {
  apiVersion: 'meta.k8s.io/v1',
  kind: 'PartialObjectMetadataList',
  metadata: {
    resourceVersion: '48233',
    continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDgyMzMsInN0YXJ0IjoiYmx1ZVx1MDAwMCJ9',
    remainingItemCount: 2,
  },
  items: [
    {
      apiVersion: 'meta.k8s.io/v1',
      kind: 'PartialObjectMetadata',
      metadata: {
        name: 'node-1-to-spine-1',
        namespace: 'network-system',
        uid: '5f0c9a8e-1b2d-4c3e-9f4a-000000000002',
        resourceVersion: '48212',
        generation: 3,
        creationTimestamp: rfc,
        labels: { 'app.kubernetes.io/managed-by': 'cosmos-operator', 'cosmos.miloapis.com/plane': 'underlay' },
        ownerReferences: [
          {
            apiVersion: 'bgp.miloapis.com/v1alpha1',
            kind: 'BGPRouter',
            name: 'node-1-underlay',
            uid: '5f0c9a8e-1b2d-4c3e-9f4a-000000000001',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        managedFields: [
          {
            manager: 'kubectl',
            operation: 'Apply',
            apiVersion: 'bgp.miloapis.com/v1alpha1',
            time: rfc,
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:metadata': { 'f:labels': { 'f:cosmos.miloapis.com/plane': {} } }, 'f:spec': { '.': {} } },
          },
        ],
      },
    },
    {
      apiVersion: 'meta.k8s.io/v1',
      kind: 'PartialObjectMetadata',
      metadata: {
        name: 'blue',
        namespace: 'network-system',
        uid: '5f0c9a8e-1b2d-4c3e-9f4a-000000000006',
        resourceVersion: '48230',
        generation: 4,
        creationTimestamp: rfc,
        deletionTimestamp: '2024-05-01T11:00:00Z',
        deletionGracePeriodSeconds: 0,
        finalizers: ['vpc.miloapis.com/ipam'],
      },
    },
  ],
};

describe('bytes written as Go writes them', () => {
  it('decodes a PartialObjectMetadataList: Go\'s empty fields read as absent, pointer zeros as values', () => {
    expect(decodeEnvelope(fixture('partial-object-metadata-list.pb'))).toEqual(expectedList);
  });

  it('writes the envelope byte for byte as Go does', () => {
    const goBytes = fixture('partial-object-metadata-list.pb');
    const { typeMeta, raw } = unwrapEnvelope(goBytes);
    expect(wrapInEnvelope(typeMeta, raw)).toEqual(goBytes);
  });

  it('decodes a metadata watch stream: ADDED, the initial-events-end BOOKMARK, then ERROR 410', () => {
    const events = readWatchStream(fixture('watch-stream.pb')).map(({ type, raw }) => [type, decodeEnvelope(raw)]);
    expect(events).toEqual([
      [
        'ADDED',
        {
          apiVersion: 'meta.k8s.io/v1',
          kind: 'PartialObjectMetadata',
          metadata: {
            name: 'node-1-underlay',
            namespace: 'network-system',
            uid: '5f0c9a8e-1b2d-4c3e-9f4a-000000000001',
            resourceVersion: '48211',
            generation: 3,
            creationTimestamp: rfc,
            labels: { 'cosmos.miloapis.com/plane': 'underlay' },
          },
        },
      ],
      ['BOOKMARK', { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: { resourceVersion: '48233', annotations: { 'k8s.io/initial-events-end': 'true' } } }],
      ['ERROR', { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: 'too old resource version: 100 (48000)', reason: 'Expired', code: 410 }],
    ]);
  });
});

describe('the fixtures', () => {
  const out = mkdtempSync(join(tmpdir(), 'protobuf-fixtures-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('are what make-fixtures.sh makes from the checked-in .proto files', () => {
    execFileSync('bash', [join(FIXTURES, 'make-fixtures.sh'), out]);
    for (const name of ['partial-object-metadata-list.pb', 'watch-stream.pb']) {
      expect(readFileSync(join(out, name)), `${name} is stale: run bash test/protobuf/fixtures/make-fixtures.sh`).toEqual(fixture(name));
    }
  });
});

describe('protoc reads what we write', () => {
  const kinds = loadKinds();
  const cases = [
    ...EVERY_KIND.map((obj) => {
      const kind = kinds.find((k) => k.kind === obj.kind)!;
      return { obj, type: `${kindPackage(kind.group, kind.version)}.${kind.kind}`, file: kindProtoFile(kind.group, kind.version) };
    }),
    { obj: expectedList, type: `${META}.PartialObjectMetadataList`, file: META_FILE },
  ];

  it.each(cases.map((c) => [c.obj.kind, c] as const))('%s: every field is known to protoc and survives its text form', (_, { obj, type, file }) => {
    const { typeMeta, raw } = unwrapEnvelope(encodeEnvelope(obj));
    const text = runProtoc([`--decode=${type}`, file], raw).toString();
    // protoc prints fields it has no definition for by number ("17: ...").
    expect(text).not.toMatch(/^\s*\d+\s*[:{]/m);
    const reencoded = runProtoc([`--encode=${type}`, file], Buffer.from(text));
    expect(decodeEnvelope(wrapInEnvelope(typeMeta, reencoded))).toEqual(obj);
  });

  it('reads the envelope as a runtime.Unknown with empty content fields', () => {
    const text = runProtoc(['--decode=k8s.io.apimachinery.pkg.runtime.Unknown', 'k8s.io/apimachinery/pkg/runtime/generated.proto'], encodeEnvelope(expectedList).subarray(4));
    expect(text.toString()).toMatch(/^typeMeta \{\n {2}apiVersion: "meta.k8s.io\/v1"\n {2}kind: "PartialObjectMetadataList"\n\}\nraw: ".+"\ncontentEncoding: ""\ncontentType: ""\n$/s);
  });
});
