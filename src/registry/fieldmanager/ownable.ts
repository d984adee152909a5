// Which fields a write can own. Metadata the server sets is never owned (kube-apiserver
// strips the same paths). With a status subresource, a write to the main resource cannot
// change status and a write to /status can change nothing else (see registry/strategy.ts),
// so each owns only its side: status ownership is tracked in separate entries under
// `subresource: status`.
import type { KindDefinition } from '../../api/kinds.js';
import { FieldSet } from './field-set.js';
import { fieldElement } from './path.js';

const STATUS = fieldElement('status');

/** Exact paths, not subtrees: `metadata` itself is never owned, `metadata.labels` may be. */
export const SERVER_OWNED = FieldSet.of(
  [fieldElement('apiVersion')],
  [fieldElement('kind')],
  [fieldElement('metadata')],
  ...['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'managedFields'].map(
    (name) => [fieldElement('metadata'), fieldElement(name)],
  ),
);

export function ownableBy(kind: KindDefinition, subresource: string): (fields: FieldSet) => FieldSet {
  return (fields) => {
    const side = subresource === 'status' ? fields.pick([STATUS]) : kind.hasStatus ? fields.omit([STATUS]) : fields;
    return side.difference(SERVER_OWNED);
  };
}
