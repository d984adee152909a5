// ObjectMeta (meta.k8s.io/v1) as a structural schema, so that pruning, unknown-field
// reporting and type checks treat `metadata` like any other part of the object.
import type { JSONSchemaProps } from '../api/kinds.js';

const string: JSONSchemaProps = { type: 'string' };
const stringMap: JSONSchemaProps = { type: 'object', additionalProperties: string };

export const OBJECT_META_SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    name: string,
    generateName: string,
    namespace: string,
    selfLink: string,
    uid: string,
    resourceVersion: string,
    generation: { type: 'integer', format: 'int64' },
    creationTimestamp: { type: 'string', format: 'date-time' },
    deletionTimestamp: { type: 'string', format: 'date-time' },
    deletionGracePeriodSeconds: { type: 'integer', format: 'int64' },
    labels: stringMap,
    annotations: stringMap,
    finalizers: { type: 'array', items: string },
    ownerReferences: {
      type: 'array',
      items: {
        type: 'object',
        required: ['apiVersion', 'kind', 'name', 'uid'],
        properties: {
          apiVersion: string,
          kind: string,
          name: string,
          uid: string,
          controller: { type: 'boolean' },
          blockOwnerDeletion: { type: 'boolean' },
        },
      },
    },
    managedFields: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          manager: string,
          operation: string,
          apiVersion: string,
          time: { type: 'string', format: 'date-time' },
          fieldsType: string,
          // The field set is a trie of arbitrary keys (f:spec, k:{...}, ...).
          fieldsV1: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          subresource: string,
        },
      },
    },
  },
};
