// Which objects a list or watch selects: namespace, label selector and field selector
// together, the predicate kube-apiserver's storage applies.
import type { KubeObject } from '../api/object.js';
import type { FieldSelector } from '../meta/fields.js';
import type { LabelSelector } from '../meta/labels.js';
import * as errors from '../meta/status.js';

/** Fields every kind can be selected by; kinds may declare more in their definition. */
const COMMON_FIELDS: Record<string, (o: KubeObject) => string | undefined> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace,
};

export class ObjectFilter {
  constructor(
    private readonly labels?: LabelSelector,
    private readonly fields?: FieldSelector,
  ) {
    for (const r of fields?.requirements ?? []) {
      if (!COMMON_FIELDS[r.field]) throw errors.badRequest(`field label not supported: ${r.field}`);
    }
  }

  /** True when every object matches: list counts such as remainingItemCount are then exact. */
  get empty(): boolean {
    return (!this.labels || this.labels.empty) && (!this.fields || this.fields.requirements.length === 0);
  }

  matches(obj: KubeObject): boolean {
    if (this.labels && !this.labels.matches(obj.metadata.labels)) return false;
    if (this.fields && !this.fields.matches((field) => COMMON_FIELDS[field]?.(obj))) return false;
    return true;
  }
}
