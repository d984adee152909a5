// Field errors in the shape of apimachinery's field.Error: what is wrong, where, and with
// which value. They become the `details.causes` of a 422 Invalid Status, and their text
// follows kube-apiserver's byte for byte because clients and people grep for it.
import { goNumber, goQuote, goSharpV } from './go-format.js';

export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

// Kinds whose message never shows the offending value (it is either absent or too big).
const VALUE_NOT_SHOWN = new Set<FieldErrorType>(['FieldValueRequired', 'FieldValueForbidden', 'FieldValueTooLong', 'InternalError']);

export interface FieldError {
  type: FieldErrorType;
  /** The path of the field, e.g. `spec.addressFamilies[0].safi`. */
  field: string;
  /** The offending value; absent when the message does not show one. */
  badValue?: unknown;
  detail: string;
}

/** A field path like `spec.addressFamilies[0].safi` or `metadata.labels[app]`, built step by step. */
export class FieldPath {
  private constructor(
    private readonly parent: FieldPath | undefined,
    private readonly step: { name: string } | { subscript: string },
  ) {}

  static root(name: string, ...more: string[]): FieldPath {
    return new FieldPath(undefined, { name }).child(...more);
  }

  child(...names: string[]): FieldPath {
    return names.reduce<FieldPath>((path, name) => new FieldPath(path, { name }), this);
  }

  index(i: number): FieldPath {
    return new FieldPath(this, { subscript: String(i) });
  }

  key(k: string): FieldPath {
    return new FieldPath(this, { subscript: k });
  }

  toString(): string {
    const prefix = this.parent ? this.parent.toString() : '';
    if ('subscript' in this.step) return `${prefix}[${this.step.subscript}]`;
    return prefix ? `${prefix}.${this.step.name}` : this.step.name;
  }
}

type PathLike = FieldPath | string;

export function required(path: PathLike, detail = ''): FieldError {
  return { type: 'FieldValueRequired', field: String(path), detail };
}

export function invalidValue(path: PathLike, value: unknown, detail = ''): FieldError {
  return { type: 'FieldValueInvalid', field: String(path), badValue: value ?? null, detail };
}

export function notSupported(path: PathLike, value: unknown, validValues: readonly string[]): FieldError {
  const detail = validValues.length ? `supported values: ${validValues.map(goQuote).join(', ')}` : '';
  return { type: 'FieldValueNotSupported', field: String(path), badValue: value ?? null, detail };
}

export function duplicate(path: PathLike, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field: String(path), badValue: value ?? null, detail: '' };
}

/** `max` is in bytes; a negative one means "unknown limit". */
export function tooLong(path: PathLike, value: unknown, max: number): FieldError {
  const detail = max >= 0 ? `may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}` : 'value is too long';
  return { type: 'FieldValueTooLong', field: String(path), badValue: value ?? null, detail };
}

/** `actual` may be negative when the count is unknown; it is then not shown. */
export function tooMany(path: PathLike, actual: number, max: number): FieldError {
  const detail = max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'has too many items';
  const error: FieldError = { type: 'FieldValueTooMany', field: String(path), detail };
  if (actual >= 0) error.badValue = actual;
  return error;
}

export function forbidden(path: PathLike, detail = ''): FieldError {
  return { type: 'FieldValueForbidden', field: String(path), detail };
}

export function typeInvalid(path: PathLike, value: unknown, detail = ''): FieldError {
  return { type: 'FieldValueTypeInvalid', field: String(path), badValue: value ?? null, detail };
}

/** The message without the field path, as in a Status cause: `Invalid value: "x": detail`. */
export function fieldErrorBody(error: FieldError): string {
  let body = TYPE_TEXT[error.type];
  if (!VALUE_NOT_SHOWN.has(error.type) && error.badValue !== undefined) body += `: ${formatBadValue(error.badValue)}`;
  return error.detail ? `${body}: ${error.detail}` : body;
}

/** The full message: `spec.x: Invalid value: "x": detail`. */
export function formatFieldError(error: FieldError): string {
  return `${error.field}: ${fieldErrorBody(error)}`;
}

/**
 * Several errors as one message, like apimachinery's aggregate: one error alone, several
 * as `[a, b]`, repeated messages once.
 */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  const messages = [...new Set(errors.map(formatFieldError))];
  return messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
}

function formatBadValue(value: unknown): string {
  // A missing value prints as the string "null", quotes included, as kube does.
  if (value === null) return goQuote('null');
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number') return goNumber(value);
  if (typeof value === 'boolean') return String(value);
  return goSharpV(value);
}
