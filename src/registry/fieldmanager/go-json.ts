// JSON as Go's encoding/json writes a decoded value: object keys sorted byte-wise (Go
// sorts map keys), and `<`, `>`, `&`, U+2028 and U+2029 escaped. Field-set keys
// (`k:{...}`, `v:...`) and the last-applied annotation are compared as text by clients,
// so they must be byte-for-byte what kube-apiserver produces.
import { isJsonObject } from '../../patch/json.js';

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

export function goJson(value: unknown): string {
  return encode(value).replace(HTML_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// Serialised by hand: a JS object cannot hold integer-like keys in sorted string order.
function encode(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(encode).join(',')}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort(compareUtf8);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${encode(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Go's strings.Compare: by UTF-8 bytes, which differs from UTF-16 order above U+FFFF. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
