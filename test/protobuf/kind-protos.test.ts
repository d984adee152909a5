// The .proto files: generated ones are current and their field numbers never move as
// schemas change; the meta types carry upstream's numbers; protoc accepts every file.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { widgetKind } from '../support/widget-kind.js';
import type { JSONSchemaProps, KindDefinition } from '../../src/api/kinds.js';
import { generatedProtoFiles, parseFieldNumbers, renderGroupVersion, type FieldNumbers } from '../../src/protobuf/kind-protos.js';
import { protoDir } from '../../src/protobuf/proto-names.js';
import { requireBinary } from '../support/binaries.js';

const readProto = (path: string) => (existsSync(join(protoDir(), path)) ? readFileSync(join(protoDir(), path), 'utf8') : undefined);

describe('generated .proto files', () => {
  it('are current with openapi/ and field-numbers.yaml', () => {
    for (const [path, text] of generatedProtoFiles(readProto)) {
      expect(readProto(path), `src/protobuf/proto/${path} is stale: run npx tsx src/protobuf/generate.ts`).toBe(text);
    }
  });

  it('compile with protoc, together with the meta types', () => {
    const files = [
      'k8s.io/apimachinery/pkg/runtime/generated.proto',
      'k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto',
      'k8s.io/apimachinery/pkg/apis/meta/v1/table.proto',
      ...[...generatedProtoFiles(readProto).keys()].filter((p) => p.endsWith('.proto')),
    ];
    expect(() => execFileSync(requireBinary('protoc'), ['-I', protoDir(), '--descriptor_set_out=/dev/null', ...files], { stdio: 'pipe' })).not.toThrow();
  });
});

function widget(spec: Record<string, JSONSchemaProps>): KindDefinition {
  return widgetKind({
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: { type: 'object', properties: spec },
      status: { type: 'object', properties: { ready: { type: 'boolean' } } },
    },
  });
}

const render = (spec: Record<string, JSONSchemaProps>, registry: FieldNumbers = {}) => renderGroupVersion('example.com', 'v1', [widget(spec)], registry);
const fieldLine = (proto: string, name: string) => proto.split('\n').find((l) => new RegExp(` ${name} = \\d+;$`).test(l))?.trim();

describe('field numbers', () => {
  const v1 = { size: { type: 'integer', format: 'int32' }, title: { type: 'string' } } satisfies Record<string, JSONSchemaProps>;

  it('numbers a new kind as Go does: metadata 1, spec 2, status 3; lists metadata 1, items 2', () => {
    const { registry } = render(v1);
    expect(registry.Widget).toEqual({ metadata: '1 optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta', spec: '2 optional WidgetSpec', status: '3 optional WidgetStatus' });
    expect(registry.WidgetList).toEqual({ metadata: '1 optional k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta', items: '2 repeated Widget' });
    expect(registry.WidgetSpec).toEqual({ size: '1 optional int32', title: '2 optional string' });
  });

  it('keeps every number when a field is added before the others, and gives it the next one', () => {
    const first = render(v1);
    const { proto, registry } = render({ color: { type: 'string' }, ...v1 }, first.registry);
    expect(registry.WidgetSpec).toEqual({ size: '1 optional int32', title: '2 optional string', color: '3 optional string' });
    expect(fieldLine(proto, 'color')).toBe('optional string color = 3;');
    expect(fieldLine(proto, 'size')).toBe('optional int32 size = 1;');
  });

  it('reserves the number of a removed field and gives it back only to the same field', () => {
    const first = render(v1);
    const removed = render({ title: v1.title }, first.registry);
    expect(removed.proto).toContain('  // Was optional int32 size: removed from the schema, its number is never reused.\n  reserved 1;');
    expect(removed.registry.WidgetSpec!.size).toBe('1 optional int32');
    const added = render({ title: v1.title, weight: { type: 'number' } }, removed.registry);
    expect(added.registry.WidgetSpec!.weight).toBe('3 optional double');
    expect(render(v1, added.registry).registry.WidgetSpec!.size).toBe('1 optional int32');
  });

  it('refuses to give an existing number a new type', () => {
    const first = render(v1);
    expect(() => render({ ...v1, size: { type: 'string' } }, first.registry)).toThrow(/WidgetSpec.size changes from "optional int32" to "optional string"/);
  });

  it('refuses a registry where two fields share a number', () => {
    expect(() => parseFieldNumbers('WidgetSpec:\n  size: 1 optional int32\n  title: 1 optional string\n')).toThrow(/share number 1/);
  });

  it('maps types as Go generated CRD types would', () => {
    const { proto } = render({
      created: { type: 'string', format: 'date-time' },
      count: { type: 'integer' },
      tags: { type: 'array', items: { type: 'string' } },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      ports: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer', format: 'int32' } } } },
    });
    expect(fieldLine(proto, 'created')).toBe('optional k8s.io.apimachinery.pkg.apis.meta.v1.Time created = 1;');
    expect(fieldLine(proto, 'count')).toBe('optional int64 count = 2;');
    expect(fieldLine(proto, 'tags')).toBe('repeated string tags = 3;');
    expect(fieldLine(proto, 'labels')).toBe('map<string, string> labels = 4;');
    expect(fieldLine(proto, 'ports')).toBe('repeated WidgetSpecPorts ports = 5;');
    expect(proto).toMatch(/message WidgetSpecPorts \{\n {2}optional int32 port = 1;\n\}/);
  });

  it('refuses schemas protobuf cannot express rather than guessing', () => {
    expect(() => render({ anything: { type: 'object' } })).toThrow(/WidgetSpec.anything: no protobuf mapping for a free-form object/);
    expect(() => render({ port: { type: 'string', 'x-kubernetes-int-or-string': true } })).toThrow(/no protobuf mapping for int-or-string/);
    expect(() => render({ matrix: { type: 'array', items: { type: 'array', items: { type: 'string' } } } })).toThrow(/no protobuf mapping for a value of type array/);
    // spec.fooBar and spec.foo.bar would both be message WidgetSpecFooBar.
    const nested = { type: 'object', properties: { x: { type: 'string' } } } satisfies JSONSchemaProps;
    expect(() => render({ fooBar: nested, foo: { type: 'object', properties: { bar: nested } } })).toThrow(/both map to the protobuf message WidgetSpecFooBar/);
  });
});

describe('meta types', () => {
  // Upstream's numbers (k8s.io/apimachinery generated.proto): the contract with Go clients.
  const UPSTREAM: Record<string, Record<string, number>> = {
    'k8s.io.apimachinery.pkg.runtime.RawExtension': { raw: 1 },
    'k8s.io.apimachinery.pkg.runtime.TypeMeta': { apiVersion: 1, kind: 2 },
    'k8s.io.apimachinery.pkg.runtime.Unknown': { typeMeta: 1, raw: 2, contentEncoding: 3, contentType: 4 },
    'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': { Raw: 1 },
    'k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta': { selfLink: 1, resourceVersion: 2, continue: 3, remainingItemCount: 4 },
    'k8s.io.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry': { manager: 1, operation: 2, apiVersion: 3, time: 4, fieldsType: 6, fieldsV1: 7, subresource: 8 },
    'k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
      name: 1, generateName: 2, namespace: 3, selfLink: 4, uid: 5, resourceVersion: 6, generation: 7, creationTimestamp: 8, deletionTimestamp: 9,
      deletionGracePeriodSeconds: 10, labels: 11, annotations: 12, ownerReferences: 13, finalizers: 14, managedFields: 17,
    },
    'k8s.io.apimachinery.pkg.apis.meta.v1.OwnerReference': { kind: 1, name: 3, uid: 4, apiVersion: 5, controller: 6, blockOwnerDeletion: 7 },
    'k8s.io.apimachinery.pkg.apis.meta.v1.PartialObjectMetadata': { metadata: 1 },
    'k8s.io.apimachinery.pkg.apis.meta.v1.PartialObjectMetadataList': { metadata: 1, items: 2 },
    'k8s.io.apimachinery.pkg.apis.meta.v1.Status': { metadata: 1, status: 2, message: 3, reason: 4, details: 5, code: 6 },
    'k8s.io.apimachinery.pkg.apis.meta.v1.StatusCause': { reason: 1, message: 2, field: 3 },
    'k8s.io.apimachinery.pkg.apis.meta.v1.StatusDetails': { name: 1, group: 2, kind: 3, causes: 4, retryAfterSeconds: 5, uid: 6 },
    'k8s.io.apimachinery.pkg.apis.meta.v1.Time': { seconds: 1, nanos: 2 },
    'k8s.io.apimachinery.pkg.apis.meta.v1.TypeMeta': { kind: 1, apiVersion: 2 },
    'k8s.io.apimachinery.pkg.apis.meta.v1.WatchEvent': { type: 1, object: 2 },
  };

  it('carry upstream field numbers, and nothing else', () => {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(protoDir(), target);
    root.loadSync('k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto', { keepCase: true });
    for (const [name, fields] of Object.entries(UPSTREAM)) {
      const numbers = Object.fromEntries(root.lookupType(name).fieldsArray.map((f) => [f.name, f.id]));
      expect(numbers, name).toEqual(fields);
    }
  });
});
