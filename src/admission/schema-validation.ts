// Structural schema validation with apiextensions-apiserver's results: the same checks
// (kube-openapi's validators: type, allOf, string, format, number, array, enum, object)
// and the same field errors and message texts, so a client sees what a CRD would show.
import { jsonEqual } from '../api/object.js';
import {
  invalidValue,
  notSupported,
  required,
  tooLong,
  tooMany,
  typeInvalid,
  type FieldError,
  type FieldPath,
} from '../meta/field-errors.js';
import { goNumber, goQuote } from '../meta/go-format.js';
import { formatCheck, integerFormatRange } from './formats.js';
import { compileRegex } from './regex.js';
import { isJsonObject, itemPath, jsonTypeOf, mapValueSchema, propertyPath, type Schema } from './schema.js';

/**
 * Where kube reports errors that its OpenAPI validator does not tie to a field (a failed
 * allOf, an integer outside its format's range): a nil field path, printed "<nil>".
 */
export const NO_FIELD = '<nil>';

/** Every violation of `schema` in `value`, which sits at `path` (undefined: the object's root). */
export function validateSchema(value: unknown, schema: Schema, path: FieldPath | undefined): FieldError[] {
  const errors: FieldError[] = [];
  validateNode(value, schema, path, errors);
  return errors;
}

function validateNode(value: unknown, schema: Schema, path: FieldPath | undefined, errors: FieldError[]): void {
  if (value === null && schema.nullable) return;
  const where = path ? String(path) : '';
  const at = path ?? NO_FIELD;
  checkType(value, schema, at, where, errors);
  checkAllOf(value, schema, path, where, errors);
  if (typeof value === 'string') checkString(value, schema, at, where, errors);
  if (typeof value === 'number') checkNumber(value, schema, at, where, errors);
  if (Array.isArray(value)) checkArray(value, schema, path, where, errors);
  if (schema.enum && !schema.enum.some((allowed) => jsonEqual(allowed, value))) {
    errors.push(notSupported(at, value, schema.enum.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))));
  }
  if (isJsonObject(value)) checkObject(value, schema, path, errors);
}

function checkType(value: unknown, schema: Schema, at: FieldPath | string, where: string, errors: FieldError[]): void {
  const allowed = schema['x-kubernetes-int-or-string'] ? ['integer', 'string'] : schema.type ? [schema.type] : [];
  if (allowed.length === 0) return;
  const actual = jsonTypeOf(value);
  const ok = allowed.some((type) => type === actual || (type === 'number' && actual === 'integer'));
  if (!ok) errors.push(typeInvalid(at, actual, `${where} in body must be of type ${allowed.join(',')}: ${goQuote(actual)}`));
}

// kube-openapi reports the failures inside each allOf branch and, besides, that the
// branches did not all validate.
function checkAllOf(value: unknown, schema: Schema, path: FieldPath | undefined, where: string, errors: FieldError[]): void {
  if (!schema.allOf?.length) return;
  let failed = 0;
  for (const branch of schema.allOf) {
    const branchErrors = validateSchema(value, branch, path);
    if (branchErrors.length) failed++;
    errors.push(...branchErrors);
  }
  if (failed === 0) return;
  const none = failed === schema.allOf.length ? '. None validated' : '';
  errors.push(invalidValue(NO_FIELD, '', `${goQuote(where)} must validate all the schemas (allOf)${none}`));
}

function checkString(value: string, schema: Schema, at: FieldPath | string, where: string, errors: FieldError[]): void {
  // Go counts lengths in runes (code points), not UTF-16 units.
  const length = schema.maxLength !== undefined || schema.minLength !== undefined ? [...value].length : 0;
  if (schema.maxLength !== undefined && length > schema.maxLength) errors.push(tooLong(at, value, schema.maxLength));
  if (schema.minLength !== undefined && length < schema.minLength) {
    errors.push(invalidValue(at, value, `${where} in body should be at least ${schema.minLength} chars long`));
  }
  if (schema.pattern !== undefined && !compileRegex(schema.pattern).test(value)) {
    errors.push(invalidValue(at, value, `${where} in body should match '${schema.pattern}'`));
  }
  const check = schema.format === undefined ? undefined : formatCheck(schema.format);
  if (check && !check(value)) errors.push(typeInvalid(at, value, `${where} in body must be of type ${schema.format}: ${goQuote(value)}`));
}

function checkNumber(value: number, schema: Schema, at: FieldPath | string, where: string, errors: FieldError[]): void {
  const range = schema.type === 'integer' && Number.isInteger(value) ? integerFormatRange(schema.format) : undefined;
  if (range && (BigInt(value) < range[0] || BigInt(value) > range[1])) {
    errors.push(invalidValue(NO_FIELD, '', `Checked value must be of type integer with format ${schema.format} in ${where}`));
  }
  const { maximum, minimum } = schema;
  if (maximum !== undefined && (schema.exclusiveMaximum ? value >= maximum : value > maximum)) {
    const relation = schema.exclusiveMaximum ? 'less than' : 'less than or equal to';
    errors.push(invalidValue(at, value, `${where} in body should be ${relation} ${goNumber(maximum)}`));
  }
  if (minimum !== undefined && (schema.exclusiveMinimum ? value <= minimum : value < minimum)) {
    const relation = schema.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
    errors.push(invalidValue(at, value, `${where} in body should be ${relation} ${goNumber(minimum)}`));
  }
}

function checkArray(value: unknown[], schema: Schema, path: FieldPath | undefined, where: string, errors: FieldError[]): void {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(tooMany(path ?? NO_FIELD, value.length, schema.maxItems));
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    errors.push(invalidValue(path ?? NO_FIELD, value.length, `${where} in body should have at least ${schema.minItems} items`));
  }
  if (schema.items) value.forEach((item, i) => validateNode(item, schema.items!, itemPath(path, i), errors));
}

function checkObject(value: Record<string, unknown>, schema: Schema, path: FieldPath | undefined, errors: FieldError[]): void {
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(value, key)) errors.push(required(propertyPath(path, key)));
  }
  const valueSchema = mapValueSchema(schema);
  for (const [key, child] of Object.entries(value)) {
    const childSchema = schema.properties?.[key];
    // kube-openapi names map entries with a dot, like properties.
    if (childSchema) validateNode(child, childSchema, propertyPath(path, key), errors);
    else if (valueSchema) validateNode(child, valueSchema, propertyPath(path, key), errors);
  }
}
