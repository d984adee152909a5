// JSON Patch (RFC 6902, `application/json-patch+json`), applied by fast-json-patch.
// Status codes follow kube-apiserver: a body that is not a list of well-formed
// operations is 400 BadRequest; a well-formed patch that cannot be applied to this
// object (failed `test`, missing path) is 422; too many operations is 413.
import jsonpatch, { type Operation } from 'fast-json-patch';
import { badRequest, requestEntityTooLarge, unprocessableEntity } from '../meta/status.js';
import type { JsonValue } from './json.js';

/** kube-apiserver's cap, which keeps one request from doing unbounded work. */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

const RFC6902_OPERATIONS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

// Why an operation that is well-formed could not be applied, by fast-json-patch error name.
const NOT_APPLICABLE: Record<string, string> = {
  TEST_OPERATION_FAILED: 'the value at the path is not the expected one',
  OPERATION_PATH_UNRESOLVABLE: 'the path does not exist',
  OPERATION_FROM_UNRESOLVABLE: 'the "from" path does not exist',
  OPERATION_PATH_CANNOT_ADD: 'the parent of the path does not exist',
  OPERATION_PATH_ILLEGAL_ARRAY_INDEX: 'an array index must be a non-negative integer or "-"',
  OPERATION_VALUE_OUT_OF_BOUNDS: 'the array index is out of bounds',
};

/** Returns the patched document; neither argument is modified or shared with the result. */
export function applyJsonPatch(doc: unknown, patch: unknown): JsonValue {
  // Working on clones keeps the caller's document unmodified and keeps values the
  // patch inserts from being shared with the caller's patch.
  const operations = structuredClone(checkedOperations(patch));
  let document = structuredClone(doc);
  operations.forEach((operation, index) => {
    try {
      document = jsonpatch.applyOperation(document, operation, true, true, true, index).newDocument;
    } catch (err) {
      if (err instanceof jsonpatch.JsonPatchError && NOT_APPLICABLE[err.name]) {
        throw unprocessableEntity(`${describe(operation, index)}: ${NOT_APPLICABLE[err.name]}`);
      }
      // A well-formed operation on a value of the wrong type (adding a key to a string,
      // touching __proto__) surfaces as a TypeError.
      if (err instanceof TypeError) throw unprocessableEntity(`${describe(operation, index)}: ${err.message.split('\n')[0]}`);
      throw err;
    }
  });
  return document as JsonValue;
}

function checkedOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw badRequest('a json patch must be a JSON array of operations');
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw requestEntityTooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`);
  }
  patch.forEach((op: unknown, index) => {
    const name = typeof op === 'object' && op !== null ? (op as { op?: unknown }).op : undefined;
    if (typeof name === 'string' && !RFC6902_OPERATIONS.has(name)) {
      throw badRequest(`json patch operation ${index}: unknown operation ${JSON.stringify(name)}`);
    }
  });
  const error = jsonpatch.validate(patch as Operation[]);
  if (error) throw badRequest(`json patch operation ${error.index ?? 0}: ${error.message.split('\n')[0]}`);
  return patch as Operation[];
}

function describe(op: Operation, index: number): string {
  return `json patch operation ${index} (${op.op} ${JSON.stringify(op.path)})`;
}
