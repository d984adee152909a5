// Moving from client-side apply (`kubectl apply`) to server-side apply (`kubectl apply
// --server-side`), as kube-apiserver does it for the `kubectl` field manager only:
//
// * fields the last-applied-configuration annotation names, and whose live value is still
//   the one it records, were client-side applied, so kubectl's first server-side apply
//   takes them over instead of conflicting with `kubectl-client-side-apply`;
// * while the object carries the annotation, kubectl's server-side applies keep it equal
//   to what they applied, so a later client-side apply still diffs against the truth.
//
// (kubectl 1.26+ also rewrites managedFields itself before its first server-side apply,
// merging the `kubectl-client-side-apply` entry into a `kubectl` Apply entry; that arrives
// as an ordinary patch of metadata.managedFields, which updateManagedFields honours.)
import type { KubeObject } from '../../api/object.js';
import { isJsonObject } from '../../patch/json.js';
import { compare } from './compare.js';
import type { FieldSet } from './field-set.js';
import { fieldSetOf } from './field-set-of.js';
import { goJson } from './go-json.js';
import { identityErrors } from './identity-errors.js';
import type { Schema } from './structure.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** The one manager whose server-side applies reconcile with client-side apply. */
export const KUBECTL_MANAGER = 'kubectl';

// apimachinery's TotalAnnotationSizeLimitB: past it the annotation is dropped, not kept stale.
const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

/** Undefined when there is no usable annotation. `live` must not carry managedFields. */
export function clientSideAppliedFields(live: KubeObject | undefined, schema: Schema): FieldSet | undefined {
  const text = live?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(lastApplied) || identityErrors(lastApplied, schema).length > 0) return undefined;
  const drift = compare(lastApplied, live, schema);
  return fieldSetOf(lastApplied, schema).difference(drift.modified).difference(drift.added).difference(drift.removed);
}

/** Sets the annotation on `object` (in place) to `applied`, if the object carries it. */
export function syncLastApplied(object: KubeObject, applied: Record<string, unknown>): void {
  const annotations = object.metadata.annotations;
  if (!annotations?.[LAST_APPLIED_ANNOTATION]) return;
  // Encoded as apimachinery's unstructured JSON encoder does (kubectl writes it the same way).
  const recorded = structuredClone(applied) as { metadata?: { annotations?: Record<string, string> } };
  if (recorded.metadata?.annotations) delete recorded.metadata.annotations[LAST_APPLIED_ANNOTATION];
  annotations[LAST_APPLIED_ANNOTATION] = `${goJson(recorded)}\n`;
  const size = Object.entries(annotations).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size > ANNOTATIONS_SIZE_LIMIT) delete annotations[LAST_APPLIED_ANNOTATION];
}
