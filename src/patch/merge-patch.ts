// JSON Merge Patch (RFC 7386, `application/merge-patch+json`): objects merge key by
// key, `null` removes a key, anything else (arrays included) replaces the target value.
import { deepCopy } from '../api/object.js';
import { badRequest } from '../meta/status.js';
import { isJsonObject, setKey, type JsonObject, type JsonValue } from './json.js';

/** Returns the patched document; neither argument is modified or shared with the result. */
export function applyMergePatch(doc: unknown, patch: unknown): JsonObject {
  // The RFC lets a non-object patch replace the whole document, but an API object can
  // only be patched into another object.
  if (!isJsonObject(patch)) throw badRequest('a merge patch must be a JSON object');
  const result = deepCopy(isJsonObject(doc) ? doc : {});
  mergeInto(result, patch);
  return result;
}

function mergeInto(target: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete target[key];
    } else if (isJsonObject(value)) {
      const child = Object.hasOwn(target, key) && isJsonObject(target[key]) ? target[key] : {};
      mergeInto(child, value);
      setKey(target, key, child);
    } else {
      setKey(target, key, deepCopy(value) as JsonValue);
    }
  }
}
