// metav1.Time between RFC 3339 and seconds + nanos, over the whole range Go accepts.
import { describe, expect, it } from 'vitest';
import { formatRfc3339, parseRfc3339 } from '../../src/protobuf/rfc3339.js';

describe('RFC 3339 times', () => {
  it.each([
    ['1970-01-01T00:00:00Z', { seconds: 0, nanos: 0 }],
    ['2024-05-01T10:00:00Z', { seconds: 1714557600, nanos: 0 }],
    ['2024-05-01T10:00:00.000001Z', { seconds: 1714557600, nanos: 1000 }],
    ['2024-05-01T10:00:00.123456789Z', { seconds: 1714557600, nanos: 123456789 }],
    ['0001-01-01T00:00:00Z', { seconds: -62135596800, nanos: 0 }],
    ['0099-12-31T23:59:59Z', { seconds: -59011459201, nanos: 0 }],
    ['9999-12-31T23:59:59Z', { seconds: 253402300799, nanos: 0 }],
    ['1969-12-31T23:59:59.5Z', { seconds: -1, nanos: 500000000 }],
  ])('%s is %o and back', (text, time) => {
    expect(parseRfc3339(text)).toEqual(time);
    expect(formatRfc3339(time)).toBe(text);
  });

  it('converts offsets to UTC and accepts lower-case separators', () => {
    expect(formatRfc3339(parseRfc3339('2024-05-01T12:30:00+02:30')!)).toBe('2024-05-01T10:00:00Z');
    expect(formatRfc3339(parseRfc3339('2024-05-01t05:00:00-05:00')!)).toBe('2024-05-01T10:00:00Z');
    expect(formatRfc3339(parseRfc3339('2024-05-01T10:00:00z')!)).toBe('2024-05-01T10:00:00Z');
  });

  it.each(['2024-02-30T00:00:00Z', '2024-05-01T24:00:00Z', '2024-05-01T10:00:60Z', '2024-05-01 10:00:00Z', '2024-05-01T10:00:00', '10000-01-01T00:00:00Z', '2024-05-01T10:00:00.1234567890Z'])(
    'refuses %s',
    (text) => {
      expect(parseRfc3339(text)).toBeNull();
    },
  );

  it('refuses to format times outside years 1 to 9999', () => {
    expect(() => formatRfc3339({ seconds: 253402300800, nanos: 0 })).toThrow(RangeError);
    expect(() => formatRfc3339({ seconds: -62135596801, nanos: 0 })).toThrow(RangeError);
  });
});
