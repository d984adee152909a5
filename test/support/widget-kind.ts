// A made-up kind (Widget) whose schema the test chooses, for behaviour the reference CRDs
// do not exercise.
import type { JSONSchemaProps, KindDefinition } from '../../src/api/kinds.js';

export function widgetKind(schema: JSONSchemaProps, overrides: Partial<KindDefinition> = {}): KindDefinition {
  return {
    group: 'example.com',
    version: 'v1',
    kind: 'Widget',
    listKind: 'WidgetList',
    plural: 'widgets',
    singular: 'widget',
    shortNames: [],
    categories: [],
    scope: 'Namespaced',
    hasStatus: true,
    printerColumns: [],
    schema,
    ...overrides,
  };
}
