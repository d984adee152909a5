// Server-side apply and managedFields (metadata.managedFields in FieldsV1 form), after
// kube-apiserver's fieldmanager and sigs.k8s.io/structured-merge-diff.
//
// Where the write path calls it:
// * apply(live, config, options): for PATCH with application/apply-patch+yaml, in place
//   of the other patch types, on the stored object (undefined when absent: apply
//   creates); the result then goes through admission and the strategy like any patch;
// * updateManagedFields(old, next, options): for every other write (create, update,
//   json/merge/strategic patch, and their /status forms), on the object about to be
//   stored, after the strategy has prepared it;
// * managerFromUserAgent(userAgent): the manager of a non-apply write without
//   `fieldManager`.
export { apply, type ApplyOptions } from './apply.js';
export { updateManagedFields } from './update.js';
export type { WriteOptions } from './write.js';
export { fieldManagerErrors, managerFromUserAgent } from './user-agent.js';
export { FieldSet } from './field-set.js';
export { fieldSetOf } from './field-set-of.js';
export { objectSchema } from './structure.js';
export { describePath, type Path } from './path.js';
export { LAST_APPLIED_ANNOTATION } from './last-applied.js';
