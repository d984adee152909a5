// The Accepted condition every dependent kind carries: False with the first problem's
// reason when the object asks for something that cannot be realized, Unknown while the
// runtime cannot be asked, False when the runtime refused the configuration.
import type { Problem } from '../desired-state.js';
import { condition, type ConditionState } from './conditions.js';

/** Problems as one condition message: each with the field it concerns. */
export function describeProblems(problems: readonly Problem[]): string {
  return problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ');
}

export function acceptedCondition(problems: readonly Problem[], failure: { reason: string; message: string } | undefined): ConditionState {
  if (problems.length) return condition('Accepted', false, problems[0]!.reason, describeProblems(problems));
  if (failure?.reason === 'RuntimeUnavailable') return { type: 'Accepted', status: 'Unknown', reason: failure.reason, message: failure.message };
  if (failure) return condition('Accepted', false, failure.reason, failure.message);
  return condition('Accepted', true, 'ConfigAccepted', 'accepted by the routing runtime');
}
