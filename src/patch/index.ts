// The three patch types kube-apiserver applies itself (server-side apply lives apart).
export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge-patch.js';
export type { PatchSchema } from './patch-schema.js';
export type { JsonObject, JsonValue } from './json.js';
