// Label selectors with the full Kubernetes grammar (apimachinery pkg/labels):
//
//   selector    := "" | requirement ("," requirement)*
//   requirement := "!" KEY | KEY [ ("in" | "notin") "(" VALUE ("," VALUE)* ")"
//                               | ("=" | "==" | "!=" | ">" | "<") VALUE ]
//
// A bare KEY means "exists". Values may be empty (`a=`, `a in (,x)`). Keys must be
// qualified names and values valid label values; `>`/`<` compare int64 values. The
// selector objects of specs (metav1.LabelSelector) compile to the same matcher.
import { FieldPath, formatFieldErrors, invalidValue, notSupported, type FieldError } from './field-errors.js';
import { goQuote } from './go-format.js';
import { isQualifiedName, isValidLabelValue } from './naming.js';
import { badRequest } from './status.js';

// Metadata rules live in metadata-validation.ts; they are offered here too because
// label rules are looked for next to label selectors.
export { validateAnnotations, validateLabels, validateObjectName } from './metadata-validation.js';

/** `!` is "does not exist"; `gt`/`lt` come from `>`/`<`. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted and without duplicates; empty for `exists` and `!`. */
  readonly values: readonly string[];
}

export interface LabelSelector {
  /** Sorted by key. */
  readonly requirements: readonly LabelRequirement[];
  /** True when the selector selects everything. */
  readonly empty: boolean;
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** The canonical text form, which parses back to an equal selector. */
  toString(): string;
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

export function parseLabelSelector(text: string): LabelSelector {
  return new RequirementsSelector(new SelectorParser(text).parse());
}

/**
 * The matcher for a metav1.LabelSelector object. An object without requirements selects
 * everything; a missing one (null/undefined) selects nothing, as in Kubernetes, where an
 * unset selector on e.g. a policy must not silently apply to every object.
 */
export function labelSelectorFromObject(selector: LabelSelectorObject | null | undefined): LabelSelector {
  if (!selector) return NOTHING;
  const requirements: LabelRequirement[] = [];
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    requirements.push(checkedRequirement(key, '=', [value], FieldPath.root('matchLabels').key(key), errors));
  }
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const path = FieldPath.root('matchExpressions').index(i);
    const operator = OBJECT_OPERATORS[expr.operator];
    if (!operator) errors.push(notSupported(path.child('operator'), expr.operator, Object.keys(OBJECT_OPERATORS)));
    else requirements.push(checkedRequirement(expr.key, operator, expr.values ?? [], path, errors));
  });
  if (errors.length) throw badRequest(`invalid label selector: ${formatFieldErrors(errors)}`);
  return new RequirementsSelector(requirements);
}

const OBJECT_OPERATORS: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

class RequirementsSelector implements LabelSelector {
  readonly requirements: readonly LabelRequirement[];

  constructor(requirements: LabelRequirement[]) {
    this.requirements = requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    return this.requirements.every((r) => requirementMatches(r, labels ?? {}));
  }

  toString(): string {
    return this.requirements.map(requirementToString).join(',');
  }
}

const NOTHING: LabelSelector = {
  requirements: [],
  empty: false,
  matches: () => false,
  toString: () => '',
};

function requirementMatches({ key, operator, values }: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const present = Object.prototype.hasOwnProperty.call(labels, key);
  const value = labels[key]!;
  switch (operator) {
    case 'in':
    case '=':
    case '==':
      return present && values.includes(value);
    case 'notin':
    case '!=':
      return !present || !values.includes(value);
    case 'exists':
      return present;
    case '!':
      return !present;
    case 'gt':
    case 'lt': {
      const actual = present ? parseInt64(value) : undefined;
      const bound = parseInt64(values[0]!);
      if (actual === undefined || bound === undefined) return false;
      return operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

const OPERATOR_TEXT: Record<LabelOperator, string> = {
  in: ' in ',
  notin: ' notin ',
  '=': '=',
  '==': '==',
  '!=': '!=',
  gt: '>',
  lt: '<',
  exists: '',
  '!': '',
};

function requirementToString({ key, operator, values }: LabelRequirement): string {
  if (operator === 'exists') return key;
  if (operator === '!') return `!${key}`;
  const joined = values.join(',');
  return `${key}${OPERATOR_TEXT[operator]}${operator === 'in' || operator === 'notin' ? `(${joined})` : joined}`;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, in range. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/** Builds a requirement, appending to `errors` what kube's NewRequirement would reject. */
function checkedRequirement(
  key: string,
  operator: LabelOperator,
  rawValues: readonly string[],
  path: FieldPath,
  errors: FieldError[],
): LabelRequirement {
  const keyErrors = isQualifiedName(key);
  if (keyErrors.length) errors.push(invalidValue(path.child('key'), key, keyErrors.join('; ')));
  const valuesPath = path.child('values');
  const count = rawValues.length;
  if ((operator === 'in' || operator === 'notin') && count === 0) {
    errors.push(invalidValue(valuesPath, rawValues, "for 'in', 'notin' operators, values set can't be empty"));
  } else if ((operator === '=' || operator === '==' || operator === '!=') && count !== 1) {
    errors.push(invalidValue(valuesPath, rawValues, 'exact-match compatibility requires one single value'));
  } else if ((operator === 'exists' || operator === '!') && count !== 0) {
    errors.push(invalidValue(valuesPath, rawValues, 'values set must be empty for exists and does not exist'));
  } else if (operator === 'gt' || operator === 'lt') {
    if (count !== 1) errors.push(invalidValue(valuesPath, rawValues, "for 'Gt', 'Lt' operators, exactly one value is required"));
    rawValues.forEach((v, i) => {
      if (parseInt64(v) === undefined) {
        errors.push(invalidValue(valuesPath.index(i), v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      }
    });
  }
  rawValues.forEach((v, i) => {
    const valueErrors = isValidLabelValue(v);
    if (valueErrors.length) errors.push(invalidValue(valuesPath.index(i), v, valueErrors.join('; ')));
  });
  return { key, operator, values: [...new Set(rawValues)].sort() };
}

type TokenKind = 'identifier' | '!' | '=' | '==' | '!=' | '>' | '<' | '(' | ')' | ',' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
}

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);
const SYMBOLS = new Set(['=', '!', '(', ')', ',', '>', '<']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
    if (i >= text.length) return [...tokens, { kind: 'end', text: '' }];
    if (SYMBOLS.has(text[i]!)) {
      const pair = text.slice(i, i + 2);
      const symbol = pair === '!=' || pair === '==' ? pair : text[i]!;
      tokens.push({ kind: symbol as TokenKind, text: symbol });
      i += symbol.length;
    } else {
      // Identifiers run to the next symbol or whitespace; "in" and "notin" are only
      // operators where an operator is expected, so they stay identifiers here.
      const start = i;
      while (i < text.length && !SYMBOLS.has(text[i]!) && !WHITESPACE.has(text[i]!)) i++;
      tokens.push({ kind: 'identifier', text: text.slice(start, i) });
    }
  }
}

const BINARY_OPERATORS: Record<string, LabelOperator> = {
  in: 'in',
  notin: 'notin',
  '=': '=',
  '==': '==',
  '!=': '!=',
  '>': 'gt',
  '<': 'lt',
};

class SelectorParser {
  private readonly tokens: Token[];
  private position = 0;

  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    if (this.peek().kind === 'end') return requirements;
    for (;;) {
      if (!this.startsRequirement(this.peek())) {
        throw this.syntaxError(`found ${describe(this.peek())}, expected: !, identifier, or 'end of string'`);
      }
      requirements.push(this.parseRequirement());
      const next = this.next();
      if (next.kind === 'end') return requirements;
      if (next.kind !== ',') throw this.syntaxError(`found ${describe(next)}, expected: ',' or 'end of string'`);
      if (!this.startsRequirement(this.peek())) {
        throw this.syntaxError(`found ${describe(this.peek())}, expected: identifier after ','`);
      }
    }
  }

  private startsRequirement(token: Token): boolean {
    return token.kind === 'identifier' || token.kind === '!';
  }

  private parseRequirement(): LabelRequirement {
    const negated = this.peek().kind === '!';
    if (negated) this.next();
    const keyToken = this.next();
    if (keyToken.kind !== 'identifier') throw this.syntaxError(`found ${describe(keyToken)}, expected: identifier`);
    const key = keyToken.text;
    if (negated) return this.requirement(key, '!', []);
    const following = this.peek().kind;
    if (following === 'end' || following === ',') return this.requirement(key, 'exists', []);

    const operatorToken = this.next();
    const operator = Object.hasOwn(BINARY_OPERATORS, operatorToken.text) ? BINARY_OPERATORS[operatorToken.text]! : undefined;
    if (!operator) {
      throw this.syntaxError(`found ${describe(operatorToken)}, expected: ${Object.values(BINARY_OPERATORS).join(', ')}`);
    }
    const values = operator === 'in' || operator === 'notin' ? this.parseValueSet() : this.parseExactValue();
    return this.requirement(key, operator, values);
  }

  /** `(a,b)`; empty elements are empty values, so `()` means the single value "". */
  private parseValueSet(): string[] {
    const open = this.next();
    if (open.kind !== '(') throw this.syntaxError(`found ${describe(open)}, expected: '('`);
    const values: string[] = [];
    for (;;) {
      const hasValue = this.peek().kind === 'identifier';
      values.push(hasValue ? this.next().text : '');
      const separator = this.next();
      if (separator.kind === ')') return values;
      if (separator.kind !== ',') {
        throw this.syntaxError(`found ${describe(separator)}, expected: ${hasValue ? "',' or ')'" : "',', ')' or identifier"}`);
      }
    }
  }

  /** The value after `=`, `!=`, ... which may be empty (`a=`). */
  private parseExactValue(): string[] {
    const following = this.peek().kind;
    if (following === 'end' || following === ',') return [''];
    const value = this.next();
    if (value.kind !== 'identifier') throw this.syntaxError(`found ${describe(value)}, expected: identifier`);
    return [value.text];
  }

  private requirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
    const errors: FieldError[] = [];
    const requirement = checkedRequirement(key, operator, values, FieldPath.root('requirement'), errors);
    if (errors.length) throw this.syntaxError(formatFieldErrors(errors));
    return requirement;
  }

  private peek(): Token {
    return this.tokens[this.position]!;
  }

  private next(): Token {
    const token = this.tokens[this.position]!;
    if (token.kind !== 'end') this.position++;
    return token;
  }

  private syntaxError(reason: string) {
    return badRequest(`unable to parse label selector ${goQuote(this.text)}: ${reason}`);
  }
}

function describe(token: Token): string {
  return token.kind === 'end' ? "'end of string'" : `'${token.text}'`;
}
