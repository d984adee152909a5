// One text per JSON value, for telling equal values apart in linear time (list-type
// uniqueness, repeated errors).
import { isJsonObject } from './schema.js';

/** Text written out as it is, as opposed to a value still to be written. */
class Token {
  constructor(readonly text: string) {}
}

/**
 * JSON with object keys sorted, so equal values (in any key order) give equal text.
 * Written from a stack of pending parts rather than by recursion: a wrong-typed value in
 * a hostile body may nest thousands of levels deep.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? String(value);
  let text = '';
  const pending: unknown[] = [value];
  while (pending.length) {
    const next = pending.pop();
    if (next instanceof Token) text += next.text;
    else if (Array.isArray(next)) schedule(pending, '[', next.map((item, i): [Token, unknown] => [new Token(i ? ',' : ''), item]), ']');
    else if (isJsonObject(next)) {
      const keys = Object.keys(next).filter((k) => next[k] !== undefined).sort();
      schedule(pending, '{', keys.map((k, i): [Token, unknown] => [new Token(`${i ? ',' : ''}${JSON.stringify(k)}:`), next[k]]), '}');
    } else text += JSON.stringify(next);
  }
  return text;
}

/** Pushes a bracketed value's parts so that the stack hands them out in order. */
function schedule(pending: unknown[], open: string, members: [Token, unknown][], close: string): void {
  pending.push(new Token(close));
  for (let i = members.length - 1; i >= 0; i--) pending.push(members[i]![1], members[i]![0]);
  pending.push(new Token(open));
}
