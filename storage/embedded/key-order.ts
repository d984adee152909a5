/**
 * Orders keys by their UTF-8 bytes, as etcd does. JavaScript's `<` compares UTF-16 code
 * units, which agrees with byte order except that characters above U+FFFF (stored as
 * surrogates, 0xD800-0xDFFF) sort before U+E000-U+FFFF. Ranking surrogates above that
 * block restores code point order, which is UTF-8 byte order.
 *
 * Any two strings sharing a prefix stay contiguous under this order, so a prefix is a range.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

function codeUnitRank(unit: number): number {
  if (unit < 0xd800) return unit;
  if (unit < 0xe000) return unit + 0x2000;
  return unit - 0x800;
}
