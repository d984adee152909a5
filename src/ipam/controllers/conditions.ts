// metav1.Condition lists as controllers keep them: a condition's lastTransitionTime moves
// only when its status does, so a status recomputed with nothing new is equal to the old
// one and is not written again.
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export type DesiredCondition = Omit<Condition, 'lastTransitionTime'>;

/** RFC 3339 at second precision, as Kubernetes writes metav1.Time. */
export const conditionTime = (now = new Date()): string => now.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function withTransitionTimes(desired: readonly DesiredCondition[], current: readonly Condition[] | undefined, now = conditionTime()): Condition[] {
  return desired.map((condition) => {
    const before = current?.find((c) => c.type === condition.type);
    return { ...condition, lastTransitionTime: before && before.status === condition.status ? before.lastTransitionTime : now };
  });
}
