// The field manager kube-apiserver assumes when a non-apply write names none: the
// User-Agent up to its first "/" (kubectl's `kubectl/v1.31.0 (linux/amd64) ...` gives
// `kubectl`), without unprintable characters, cut at 128 bytes.
const FIELD_MANAGER_MAX_BYTES = 128;

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

export function managerFromUserAgent(userAgent: string): string {
  let manager = '';
  let bytes = 0;
  for (const ch of userAgent.split('/')[0]!) {
    if (!PRINTABLE.test(ch)) continue;
    if (bytes >= FIELD_MANAGER_MAX_BYTES) break;
    manager += ch;
    bytes += Buffer.byteLength(ch);
  }
  return manager;
}
