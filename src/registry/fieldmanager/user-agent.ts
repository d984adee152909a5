// Field manager names: the one kube-apiserver assumes when a non-apply write names none
// (the User-Agent up to its first "/": `kubectl/v1.31.0 (linux/amd64) ...` gives
// `kubectl`, without unprintable characters, cut at 128 bytes), and the checks of kube's
// ValidateFieldManager on a name a client gives.
import type { FieldError } from '../../meta/field-errors.js';
import { fieldInvalid, fieldTooLong } from '../../meta/status.js';

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

/** Field errors under `fieldManager`, worded as kube's (positions are byte offsets, as in Go). */
export function fieldManagerErrors(fieldManager: string): FieldError[] {
  const problems: FieldError[] = [];
  if (Buffer.byteLength(fieldManager) > FIELD_MANAGER_MAX_BYTES) problems.push(fieldTooLong('fieldManager', '', FIELD_MANAGER_MAX_BYTES));
  let position = 0;
  for (const ch of fieldManager) {
    if (!PRINTABLE.test(ch)) {
      const code = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      problems.push(fieldInvalid('fieldManager', fieldManager, `invalid character ${code} (at position ${position})`));
    }
    position += Buffer.byteLength(ch);
  }
  return problems;
}
