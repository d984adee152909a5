// The 409 an apply gets when it would change fields other managers own, worded as
// kube-apiserver words it (kubectl prints the message and scripts read the causes).
import { goQuote } from '../../meta/go-format.js';
import { ApiError, type StatusCause } from '../../meta/status.js';
import type { FieldSet } from './field-set.js';
import { managerKey, type ManagerEntry } from './managers.js';
import { describePath } from './path.js';

export interface Conflict {
  owner: ManagerEntry;
  /** The owner's fields the apply would change. */
  fields: FieldSet;
}

export function applyConflictError(conflicts: readonly Conflict[]): ApiError {
  const byOwner = [...conflicts].sort((a, b) => (managerKey(a.owner) < managerKey(b.owner) ? -1 : 1));
  const all = byOwner.flatMap(({ owner, fields }) => fields.paths().map((path) => ({ owner: describeManager(owner), field: describePath(path) })));
  const causes: StatusCause[] = all.map(({ owner, field }) => ({ reason: 'FieldManagerConflict', message: `conflict with ${owner}`, field }));

  let message: string;
  if (all.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${all[0]!.owner}: ${all[0]!.field}`;
  } else {
    const lines = byOwner.flatMap(({ owner, fields }) => [`conflict with ${describeManager(owner)}:`, ...fields.paths().map((p) => `- ${describePath(p)}`)]);
    message = `Apply failed with ${all.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Conflict', details: { causes }, code: 409 });
}

/** `"kubectl-client-side-apply" using bgp.miloapis.com/v1alpha1`, `"agent" with subresource "status"`. */
function describeManager(m: ManagerEntry): string {
  let text = goQuote(m.manager);
  if (m.subresource) text += ` with subresource ${goQuote(m.subresource)}`;
  if (m.operation === 'Update') text += ` using ${m.apiVersion}`;
  return text;
}
