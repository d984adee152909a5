// A bound on what evaluating a rule can cost, so that no object can make validation run
// for long: kube-apiserver stops a rule at a cost limit while it runs; this evaluator
// cannot be interrupted, so the bound is taken before running, from the rule's shape and
// the actual value. A comprehension costs its body once per element of the list it
// iterates (measured when that list is a field of self, else the largest list in the
// value); string functions cost a tenth per character they may scan. Units follow
// cel-go's (about one per evaluation step), so kube's limits apply as they are.
import type { parse } from '@bufbuild/cel';
import { isJsonObject } from '../schema.js';

type Expr = ReturnType<typeof parse>['expr'];

/** kube-apiserver's limit for one rule evaluation (celconfig.PerCallLimit). */
export const PER_CALL_LIMIT = 1_000_000;
/** kube-apiserver's budget for all rules of one object (celconfig.RuntimeCELCostBudget). */
export const RUNTIME_COST_BUDGET = 10_000_000;

/** The values a rule runs on, and bounds for what cannot be traced back to them. */
export interface CostContext {
  variables: Record<string, unknown>;
  /** Entries of the largest list or map in the variables. */
  maxEntries: number;
  /** Characters of the longest string (or map key) in the variables. */
  maxStringLength: number;
}

export function costContext(variables: Record<string, unknown>): CostContext {
  const context: CostContext = { variables, maxEntries: 0, maxStringLength: 0 };
  const stack = Object.values(variables);
  while (stack.length) {
    const value = stack.pop();
    if (typeof value === 'string') context.maxStringLength = Math.max(context.maxStringLength, value.length);
    else if (Array.isArray(value)) {
      context.maxEntries = Math.max(context.maxEntries, value.length);
      for (const item of value) stack.push(item);
    } else if (isJsonObject(value)) {
      const keys = Object.keys(value);
      context.maxEntries = Math.max(context.maxEntries, keys.length);
      for (const key of keys) {
        context.maxStringLength = Math.max(context.maxStringLength, key.length);
        stack.push(value[key]);
      }
    }
  }
  return context;
}

// Functions whose work grows with the length of the strings they are given.
const STRING_SCANNING = new Set([
  'contains', 'startsWith', 'endsWith', 'split', 'replace', 'indexOf', 'lastIndexOf', 'lowerAscii', 'upperAscii',
  'trim', 'substring', 'charAt', 'join', 'format', 'isIP', 'isCIDR', 'ip', 'cidr', 'duration', 'timestamp',
]);

/** An upper bound of the cost of evaluating `expr`. */
export function costBound(expr: Expr | undefined, context: CostContext): number {
  if (!expr) return 0;
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'selectExpr':
      return 1 + costBound(kind.value.operand, context);
    case 'callExpr': {
      const { function: name, target, args } = kind.value;
      const children = costBound(target, context) + args.reduce((sum, arg) => sum + costBound(arg, context), 0);
      const scanned = target ?? args[0];
      const scan = Math.ceil(stringLength(scanned, context) / 10);
      if (name === 'matches') return 1 + children + scan * Math.ceil(stringLength(args.at(-1), context) / 4);
      return 1 + children + (STRING_SCANNING.has(name) ? scan : 0);
    }
    case 'listExpr':
      return 1 + kind.value.elements.reduce((sum, e) => sum + costBound(e, context), 0);
    case 'structExpr':
      return 1 + kind.value.entries.reduce((sum, e) => sum + costBound(e.value, context) + (e.keyKind.case === 'mapKey' ? costBound(e.keyKind.value, context) : 0), 0);
    case 'comprehensionExpr': {
      const c = kind.value;
      const perElement = costBound(c.loopCondition, context) + costBound(c.loopStep, context);
      return costBound(c.iterRange, context) + costBound(c.accuInit, context) + entries(c.iterRange, context) * perElement + costBound(c.result, context);
    }
    default:
      return 1;
  }
}

/** How many elements the list (or keys the map) `expr` evaluates to can have. */
function entries(expr: Expr | undefined, context: CostContext): number {
  const kind = expr?.exprKind;
  if (!kind) return 0;
  if (kind.case === 'listExpr') return kind.value.elements.length;
  // map() and filter() give at most as many elements as they iterate.
  if (kind.case === 'comprehensionExpr') return entries(kind.value.iterRange, context);
  if (kind.case === 'callExpr' && kind.value.function === 'split') return context.maxStringLength + 1;
  if (kind.case === 'callExpr' && kind.value.function === '_+_') return kind.value.args.reduce((sum, arg) => sum + entries(arg, context), 0);
  const value = traced(expr, context);
  if (Array.isArray(value)) return value.length;
  if (isJsonObject(value)) return Object.keys(value).length;
  return context.maxEntries;
}

function stringLength(expr: Expr | undefined, context: CostContext): number {
  const kind = expr?.exprKind;
  if (kind?.case === 'constExpr' && kind.value.constantKind.case === 'stringValue') return kind.value.constantKind.value.length;
  const value = expr && traced(expr, context);
  return typeof value === 'string' ? value.length : context.maxStringLength;
}

/** The value of `self.a.b` (a chain of fields from a variable), if the expression is one. */
function traced(expr: Expr, context: CostContext): unknown {
  const kind = expr.exprKind;
  if (kind.case === 'identExpr') return Object.hasOwn(context.variables, kind.value.name) ? context.variables[kind.value.name] : undefined;
  if (kind.case !== 'selectExpr' || kind.value.testOnly || !kind.value.operand) return undefined;
  const parent = traced(kind.value.operand, context);
  return isJsonObject(parent) ? parent[kind.value.field] : undefined;
}
