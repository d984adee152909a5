// Go duration strings (metav1.Duration, as in spec.holdTime: "90s", "1m30s", "1.5s"):
// the API validated them with CEL's duration(), so the agent only needs their value.
const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
const PART = /([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/y;

/** Seconds in a Go duration string, or undefined when it is not one. */
export function parseGoDurationSeconds(text: string): number | undefined {
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[-+]/, '');
  if (body === '0') return 0;
  if (body === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < body.length) {
    const match = PART.exec(body);
    if (!match || match[1] === '' || match[1] === '.') return undefined;
    total += Number(match[1]) * UNIT_SECONDS[match[2]!]!;
  }
  return sign * total;
}
