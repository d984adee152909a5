// Field selectors (apimachinery pkg/fields): comma-separated `field=value`,
// `field==value` or `field!=value` terms, all of which must hold. In values, `\,`, `\=`
// and `\\` stand for the literal characters; an unescaped `,` splits terms and an
// unescaped `=` is an error. Which fields a kind can be selected by is the caller's
// decision: this module only parses and matches.
import { goQuote } from './go-format.js';
import { badRequest } from './status.js';

export interface FieldRequirement {
  readonly field: string;
  /** `==` is read as `=`. */
  readonly operator: '=' | '!=';
  /** Unescaped. */
  readonly value: string;
}

export interface FieldSelector {
  /** In the canonical order (sorted by term text, as kube does). */
  readonly requirements: readonly FieldRequirement[];
  /** True when the selector selects everything. */
  readonly empty: boolean;
  /** `getField` returns undefined for a missing field, which compares as "". */
  matches(getField: (field: string) => string | undefined): boolean;
  /** The value `field` must equal, when the selector pins it (for `metadata.name=x` fast paths). */
  exactMatch(field: string): string | undefined;
  /** The canonical text form, values escaped. */
  toString(): string;
}

// Longest first, so "a==b" is not read as "a=" "=b".
const OPERATORS = ['!=', '==', '='] as const;

export function parseFieldSelector(text: string): FieldSelector {
  const requirements = splitTerms(text)
    .filter((term) => term !== '')
    .sort()
    .map((term) => parseTerm(text, term));
  return new RequirementsSelector(requirements);
}

class RequirementsSelector implements FieldSelector {
  constructor(readonly requirements: readonly FieldRequirement[]) {}

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(getField: (field: string) => string | undefined): boolean {
    return this.requirements.every((r) => ((getField(r.field) ?? '') === r.value) === (r.operator === '='));
  }

  exactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator === '=')?.value;
  }

  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeValue(r.value)}`).join(',');
  }
}

/** Splits on commas that are not escaped. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return text ? [...terms, text.slice(start)] : terms;
}

function parseTerm(selector: string, term: string): FieldRequirement {
  for (let i = 1; i < term.length; i++) {
    const operator = OPERATORS.find((op) => term.startsWith(op, i));
    if (operator) {
      return {
        field: term.slice(0, i),
        operator: operator === '!=' ? '!=' : '=',
        value: unescapeValue(term.slice(i + operator.length)),
      };
    }
  }
  throw badRequest(`invalid field selector: ${goQuote(selector)}; can't understand ${goQuote(term)}`);
}

function unescapeValue(escaped: string): string {
  let value = '';
  for (let i = 0; i < escaped.length; i++) {
    const ch = escaped[i]!;
    if (ch === ',' || ch === '=') throw badRequest(`invalid field selector: unescaped character in value: ${goQuote(ch)}`);
    if (ch !== '\\') {
      value += ch;
      continue;
    }
    const next = escaped[++i];
    if (next !== '\\' && next !== ',' && next !== '=') {
      throw badRequest(`invalid field selector: invalid escape sequence: ${next === undefined ? '\\' : `\\${next}`}`);
    }
    value += next;
  }
  return value;
}

function escapeValue(value: string): string {
  return value.replace(/[\\,=]/g, (ch) => `\\${ch}`);
}
