// A field that identifies what an object is about (the node a router runs on, the VPC an
// attachment belongs to) cannot change after create; changing it means a new object.
import { jsonEqual } from '../../api/object.js';
import { FieldPath, invalidValue } from '../../meta/field-errors.js';
import type { SemanticCheck } from './types.js';

// apimachinery's FieldImmutableErrorMsg.
const FIELD_IS_IMMUTABLE = 'field is immutable';

export function immutableAfterCreate(...path: [string, ...string[]]): SemanticCheck {
  const fieldPath = FieldPath.root(...path);
  return ({ operation, object, oldObject }) => {
    if (operation !== 'UPDATE' || !oldObject) return [];
    const now = valueAt(object, path);
    return jsonEqual(now, valueAt(oldObject, path)) ? [] : [invalidValue(fieldPath, now, FIELD_IS_IMMUTABLE)];
  };
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, name) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[name] : undefined), root);
}
