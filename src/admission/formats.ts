// String formats, with the semantics of the registry apiextensions-apiserver validates
// custom resources against (kube-openapi's strfmt): a format it does not know is ignored.
import { parseAddress, parsePrefix } from '../net/ip.js';

type FormatCheck = (value: string) => boolean;

// Go's net.ParseIP (kube-openapi's IsIPv4/IsIPv6): any address, told apart only by the
// presence of '.' or ':', so "::ffff:1.2.3.4" is a valid ipv4 *and* ipv6 here.
const isIP = (value: string) => parseAddress(value) !== undefined;

// kube-openapi's IsDateTime: a valid date, 't', then hh:mm:ss[.frac](z|±hh:mm), case-insensitive.
const TIME_OF_DAY = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/;

function isDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function isDateTime(value: string): boolean {
  const parts = value.toLowerCase().split('t');
  if (value.length < 4 || parts.length < 2 || !isDate(parts[0]!)) return false;
  const m = TIME_OF_DAY.exec(parts[1]!);
  return !!m && m[1]! <= '23' && m[2]! <= '59' && m[3]! <= '59';
}

const CHECKS: Record<string, FormatCheck> = {
  ipv4: (v) => isIP(v) && v.includes('.'),
  ipv6: (v) => isIP(v) && v.includes(':'),
  cidr: (v) => parsePrefix(v) !== undefined,
  datetime: isDateTime,
  date: isDate,
  password: () => true,
};

// Formats kube-openapi would check that we have no checker for: a schema using one must
// fail at start-up rather than silently accept what kube-apiserver refuses.
const KNOWN_TO_KUBE = new Set([
  'bsonobjectid', 'uri', 'email', 'hostname', 'mac', 'uuid', 'uuid3', 'uuid4', 'uuid5', 'isbn', 'isbn10', 'isbn13',
  'creditcard', 'ssn', 'hexcolor', 'rgbcolor', 'byte', 'duration',
]);

// The registry looks formats up with dashes and underscores removed ("date-time" is "datetime").
const normalize = (format: string) => format.toLowerCase().replace(/[-_]/g, '');

/** The check for a string format, or undefined when the format is not validated. */
export function formatCheck(format: string): FormatCheck | undefined {
  return CHECKS[normalize(format)];
}

export function assertFormatSupported(format: string): void {
  if (KNOWN_TO_KUBE.has(normalize(format))) throw new Error(`format ${JSON.stringify(format)} is validated by Kubernetes but has no checker here`);
}

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/**
 * The value range of an integer format, if narrower than the int64 every JSON integer
 * already fits: values outside fail kube-openapi's "Checked" range test.
 */
export function integerFormatRange(format: string | undefined): [bigint, bigint] | undefined {
  return format === undefined ? undefined : INTEGER_RANGES[format];
}
