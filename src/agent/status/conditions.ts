// metav1.Condition handling as apimachinery's meta.SetStatusCondition does it:
// lastTransitionTime moves only when a condition's status flips, so rewriting the same
// facts produces the same status and nothing is written.

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** What a condition says, before it is dated. */
export interface ConditionState {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export function condition(type: string, holds: boolean, reason: string, message: string): ConditionState {
  return { type, status: holds ? 'True' : 'False', reason, message };
}

/**
 * Dates `next` against the conditions the object has: a condition whose status did not
 * change keeps its lastTransitionTime, any other gets `now`.
 */
export function datedConditions(
  next: readonly ConditionState[],
  current: readonly Condition[] | undefined,
  generation: number | undefined,
  now: Date,
): Condition[] {
  return next.map((state) => {
    const previous = current?.find((c) => c.type === state.type);
    const lastTransitionTime = previous && previous.status === state.status ? previous.lastTransitionTime : rfc3339(now);
    return { ...state, lastTransitionTime, ...(generation !== undefined ? { observedGeneration: generation } : {}) };
  });
}

/** metav1.Time: RFC 3339 in UTC with whole seconds. */
export function rfc3339(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
