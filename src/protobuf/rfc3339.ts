// metav1.Time between its JSON form (an RFC 3339 string) and its protobuf form (seconds
// and nanos since the Unix epoch, UTC).

export interface ProtoTime {
  seconds: number;
  nanos: number;
}

// The range Go's metav1.Time can write as RFC 3339: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300799;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Returns null for a string that is not an RFC 3339 timestamp. */
export function parseRfc3339(text: string): ProtoTime | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [, year, month, day, hour, minute, second, fraction, , sign, offsetHours, offsetMinutes] = m;
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), 0);
  if (date.getUTCDate() !== Number(day) || date.getUTCHours() !== Number(hour) || date.getUTCSeconds() !== Number(second)) return null;
  let seconds = date.getTime() / 1000;
  if (sign) seconds -= (sign === '-' ? -1 : 1) * (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60);
  const nanos = fraction ? Number(fraction.padEnd(9, '0')) : 0;
  return seconds >= MIN_SECONDS && seconds <= MAX_SECONDS ? { seconds, nanos } : null;
}

/**
 * The JSON form, in UTC. Whole seconds print as Go's metav1.Time does
 * (`2024-05-01T10:00:00Z`); a fraction, which Go would drop, is kept so that nothing a
 * client sent is lost.
 */
export function formatRfc3339({ seconds, nanos }: ProtoTime): string {
  if (!(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS) || !(nanos >= 0 && nanos <= 999_999_999)) {
    throw new RangeError(`time ${seconds}s ${nanos}ns is outside 0001-01-01 to 9999-12-31`);
  }
  const iso = new Date(seconds * 1000).toISOString();
  const fraction = nanos ? '.' + String(nanos).padStart(9, '0').replace(/0+$/, '') : '';
  return `${iso.slice(0, 19)}${fraction}Z`;
}
