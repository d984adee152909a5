// The `fieldManager` query parameter of a write, checked as kube-apiserver's
// ValidateFieldManager checks it: at most 128 bytes, printable characters only.
import { fieldInvalid, fieldTooLong } from '../meta/status.js';
import type { FieldError } from '../meta/field-errors.js';

const FIELD_MANAGER_MAX_BYTES = 128;

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

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
