// A bound on how deeply a decoded request body nests. JSON.parse copes with any depth, but
// defaulting, validation, CEL and patching walk objects recursively: a body of a million
// nested arrays (well within the 3 MiB size limit) would exhaust the stack there.
import * as errors from '../../meta/status.js';

/**
 * No Cosmos object nests deeper than about a dozen levels; 100 leaves ample room for
 * unknown fields (rejected or pruned later) while staying far below any stack limit.
 */
export const MAX_NESTING_DEPTH = 100;

/** Throws 400 BadRequest when `value` nests deeper than `maxDepth` objects and arrays. */
export function checkNesting(value: unknown, maxDepth = MAX_NESTING_DEPTH, what = 'object'): void {
  // Iterative on purpose: a recursive check would overflow on exactly the input it guards against.
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: current, depth } = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > maxDepth) throw errors.badRequest(`the ${what} is nested too deeply: more than ${maxDepth} levels`);
    for (const child of Object.values(current)) pending.push({ value: child, depth: depth + 1 });
  }
}
