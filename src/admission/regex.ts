// One regular expression engine for schema `pattern`s and CEL `matches()`: RE2 syntax and
// semantics (what Go's regexp, and so kube-apiserver, implements), matched in linear time
// so no pattern and no input can make matching backtrack for ages.
import { RE2JS } from '@bufbuild/re2';

export interface Matcher {
  /** True when the expression matches anywhere in `text` (Go's regexp.MatchString). */
  test(text: string): boolean;
}

// Patterns come from the schemas (a fixed set) and from CEL rules, where they are almost
// always literals; the bound only matters for rules that build patterns from data.
const MAX_CACHED = 1024;
const cache = new Map<string, Matcher>();

/** Compiles (once) an RE2 expression; throws on a syntax error. */
export function compileRegex(pattern: string): Matcher {
  let matcher = cache.get(pattern);
  if (!matcher) {
    matcher = RE2JS.compile(pattern);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(pattern, matcher);
  }
  return matcher;
}
