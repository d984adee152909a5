const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The form of a key under which JavaScript's native string order is etcd's order, the
 * UTF-8 byte order: its UTF-8 bytes, one character per byte. ASCII keys (nearly all) are
 * already in that form. Native comparison matters: with a comparator walking keys code
 * unit by code unit, the long shared prefixes of registry keys made every B-tree lookup
 * scan them dozens of times.
 *
 * The mapping is one-to-one and keeps prefixes (a prefix's form is a prefix of the key's
 * form), so a prefix is still a range.
 */
export function orderedKey(key: string): string {
  return NON_ASCII.test(key) ? Buffer.from(key, 'utf8').toString('latin1') : key;
}

/** The key an ordered form stands for (the inverse of `orderedKey`). */
export function keyFromOrdered(ordered: string): string {
  return NON_ASCII.test(ordered) ? Buffer.from(ordered, 'latin1').toString('utf8') : ordered;
}

export function compareOrderedKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
