/** kubectl's table output as cells, cut at the header's column starts (an absent value prints as nothing). */
export function tableRows(stdout: string): string[][] {
  const [header = '', ...rows] = stdout.trimEnd().split('\n');
  const starts = [...header.matchAll(/\S+/g)].map((m) => m.index);
  return [header, ...rows].map((row) => starts.map((start, i) => row.slice(start, starts[i + 1]).trim()));
}
