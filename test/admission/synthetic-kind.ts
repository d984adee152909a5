// A made-up kind with a spec schema of the test's choosing, for behaviour the reference
// CRDs do not exercise (map values with defaults, transition rules, messageExpression...).
import type { JSONSchemaProps, KindDefinition } from '../../src/api/kinds.js';
import type { KubeObject } from '../../src/api/object.js';
import { widgetKind } from '../support/widget-kind.js';

export function syntheticKind(spec: JSONSchemaProps, status: JSONSchemaProps = { type: 'object' }): KindDefinition {
  return widgetKind(
    { type: 'object', properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec, status } },
    { group: 'test.example.com' },
  );
}

export function widget(spec: unknown, status?: unknown): KubeObject {
  return { apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec, ...(status === undefined ? {} : { status }) };
}
