// Validation of the object metadata every kind shares (apimachinery's ObjectMeta rules):
// names, label maps and annotation maps, reported as field errors.
import { FieldPath, invalidValue, required, tooLong, type FieldError } from './field-errors.js';
import { byteLength, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './naming.js';

/** The cap on the summed size of all annotation keys and values of one object. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

/** An object name must be a DNS-1123 subdomain: at most 253 lowercase alphanumerics, '-' and '.'. */
export function validateObjectName(name: string | undefined, path: FieldPath | string = FieldPath.root('metadata', 'name')): FieldError[] {
  if (!name) return [required(path, 'name or generateName is required')];
  return isDNS1123Subdomain(name).map((msg) => invalidValue(path, name, msg));
}

/** Errors are reported at the map's path (not per key), as kube does. */
export function validateLabels(labels: Record<string, string> | undefined, path: FieldPath | string = FieldPath.root('metadata', 'labels')): FieldError[] {
  const errs: FieldError[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    errs.push(...isQualifiedName(key).map((msg) => invalidValue(path, key, msg)));
    errs.push(...isValidLabelValue(value).map((msg) => invalidValue(path, value, msg)));
  }
  return errs;
}

/** Annotation keys are qualified names compared case-insensitively; values are free text within the size cap. */
export function validateAnnotations(
  annotations: Record<string, string> | undefined,
  path: FieldPath | string = FieldPath.root('metadata', 'annotations'),
): FieldError[] {
  const errs: FieldError[] = [];
  let totalSize = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    errs.push(...isQualifiedName(key.toLowerCase()).map((msg) => invalidValue(path, key, msg)));
    totalSize += byteLength(key) + byteLength(value);
  }
  if (totalSize > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) errs.push(tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  return errs;
}
