// The ObjectMeta rules kube-apiserver applies to every object: a DNS-1123 subdomain name,
// a namespace exactly when the kind is namespaced, valid label and annotation maps.
import type { KindDefinition } from '../api/kinds.js';
import type { KubeObject } from '../api/object.js';
import { FieldPath, forbidden, required, type FieldError } from '../meta/field-errors.js';
import { validateAnnotations, validateLabels, validateObjectName } from '../meta/labels.js';

export function validateMetadata(kind: KindDefinition, object: KubeObject): FieldError[] {
  const meta = object.metadata ?? {};
  // Values of the wrong type are the schema step's to report.
  const name = typeof meta.name === 'string' || meta.name === undefined ? validateObjectName(meta.name) : [];
  const namespace =
    kind.scope === 'Namespaced' && !meta.namespace
      ? [required(FieldPath.root('metadata', 'namespace'))]
      : kind.scope === 'Cluster' && meta.namespace
        ? [forbidden(FieldPath.root('metadata', 'namespace'), 'not allowed on this type')]
        : [];
  const labels = isStringMap(meta.labels) ? validateLabels(meta.labels) : [];
  const annotations = isStringMap(meta.annotations) ? validateAnnotations(meta.annotations) : [];
  return name.concat(namespace, labels, annotations);
}

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}
