// Compiles every x-kubernetes-validations rule of a schema once, at start-up, into a tree
// that mirrors the schema where rules are. A rule that does not parse, calls a function
// the environment lacks, names a variable other than self/oldSelf, or points its
// fieldPath at a field the schema does not have, throws here and so stops the server
// from starting, the way kube-apiserver refuses such a CRD.
import { parse, plan, type CelEnv, type CelResult } from '@bufbuild/cel';
import type { ValidationRule } from '../../api/kinds.js';
import { mapValueSchema, type Schema } from '../schema.js';

export type Expr = ReturnType<typeof parse>['expr'];

export interface CelProgram {
  expr: Expr;
  run(bindings: Record<string, unknown>): CelResult;
}

export interface CompiledRule {
  rule: ValidationRule;
  program: CelProgram;
  messageProgram?: CelProgram;
  /** The rule reads oldSelf, so it runs only on updates that have an old value here. */
  transition: boolean;
  /** `fieldPath` without its leading dot, ready to append to the node's path. */
  fieldPath?: string;
}

/** The rules declared at one schema node, and the nodes below it that have rules. */
export interface RuleNode {
  schema: Schema;
  rules: CompiledRule[];
  properties: Map<string, RuleNode>;
  items?: RuleNode;
  mapValues?: RuleNode;
}

// Resolved by the planner itself rather than looked up as functions.
const PLANNER_OPERATORS = new Set(['_&&_', '_||_', '_?_:_', '@not_strictly_false', '_[_]']);
// Type names a rule may write as values, e.g. `type(self) == string`.
const TYPE_NAMES = new Set(['bool', 'bytes', 'double', 'duration', 'dyn', 'int', 'list', 'map', 'null_type', 'string', 'timestamp', 'type', 'uint', 'net.IP', 'net.CIDR']);

/** Undefined when neither the node nor anything below it has rules. */
export function compileRuleTree(schema: Schema, env: CelEnv, where = '<root>'): RuleNode | undefined {
  for (const branch of schema.allOf ?? []) {
    if (branch['x-kubernetes-validations']?.length) throw new Error(`${where}: x-kubernetes-validations inside allOf are not allowed`);
  }
  const rules = (schema['x-kubernetes-validations'] ?? []).map((rule) => compileRule(rule, schema, env, where));
  const properties = new Map<string, RuleNode>();
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const node = compileRuleTree(child, env, `${where}.${name}`);
    if (node) properties.set(name, node);
  }
  const items = schema.items && compileRuleTree(schema.items, env, `${where}[*]`);
  const valueSchema = mapValueSchema(schema);
  const mapValues = valueSchema && compileRuleTree(valueSchema, env, `${where}[*]`);
  if (!rules.length && !properties.size && !items && !mapValues) return undefined;
  return { schema, rules, properties, items, mapValues };
}

function compileRule(rule: ValidationRule, schema: Schema, env: CelEnv, where: string): CompiledRule {
  const fail = (problem: string): never => {
    throw new Error(`${where}: x-kubernetes-validations rule ${JSON.stringify(rule.rule)}: ${problem}`);
  };
  if (rule.optionalOldSelf) fail('optionalOldSelf needs CEL optional types, which this evaluator does not have');
  const program = compileExpression(rule.rule, env, fail);
  const messageProgram = rule.messageExpression === undefined ? undefined : compileExpression(rule.messageExpression, env, fail);
  const fieldPath = rule.fieldPath === undefined ? undefined : normalizeFieldPath(rule.fieldPath, schema, fail);
  return { rule, program, messageProgram, transition: readsVariable(program.expr, 'oldSelf'), fieldPath };
}

function compileExpression(source: string, env: CelEnv, fail: (problem: string) => never): CelProgram {
  let expr: Expr;
  try {
    expr = parse(source).expr;
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  checkNames(expr, env, new Set(['self', 'oldSelf']), fail);
  const run = plan(env, expr);
  return { expr, run: (bindings) => run(bindings as Parameters<typeof run>[0]) };
}

/** Every function must exist in the environment and every variable be in scope. */
function checkNames(expr: Expr | undefined, env: CelEnv, scope: ReadonlySet<string>, fail: (problem: string) => never): void {
  if (!expr) return;
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'identExpr':
      if (!scope.has(kind.value.name) && !TYPE_NAMES.has(kind.value.name)) fail(`undeclared reference to ${JSON.stringify(kind.value.name)}`);
      return;
    case 'selectExpr': {
      const qualified = qualifiedName(expr);
      if (qualified !== undefined && TYPE_NAMES.has(qualified)) return;
      return checkNames(kind.value.operand, env, scope, fail);
    }
    case 'callExpr': {
      const { function: name, target, args } = kind.value;
      const namespaced = target && qualifiedName(target);
      if (namespaced !== undefined && env.funcs.find(`${namespaced}.${name}`)) {
        args.forEach((arg) => checkNames(arg, env, scope, fail));
        return;
      }
      if (!PLANNER_OPERATORS.has(name) && !env.funcs.find(name)) fail(`undeclared reference to function ${JSON.stringify(name)}`);
      checkNames(target, env, scope, fail);
      args.forEach((arg) => checkNames(arg, env, scope, fail));
      return;
    }
    case 'listExpr':
      kind.value.elements.forEach((e) => checkNames(e, env, scope, fail));
      return;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === 'mapKey') checkNames(entry.keyKind.value, env, scope, fail);
        checkNames(entry.value, env, scope, fail);
      }
      return;
    case 'comprehensionExpr': {
      const c = kind.value;
      checkNames(c.iterRange, env, scope, fail);
      checkNames(c.accuInit, env, scope, fail);
      const inner = new Set([...scope, c.iterVar, c.accuVar, ...(c.iterVar2 ? [c.iterVar2] : [])]);
      [c.loopCondition, c.loopStep, c.result].forEach((e) => checkNames(e, env, inner, fail));
      return;
    }
    default:
      return;
  }
}

/** `a.b.c` for a chain of plain selects on an identifier, else undefined. */
function qualifiedName(expr: Expr): string | undefined {
  const kind = expr.exprKind;
  if (kind.case === 'identExpr') return kind.value.name;
  if (kind.case !== 'selectExpr' || kind.value.testOnly || !kind.value.operand) return undefined;
  const operand = qualifiedName(kind.value.operand);
  return operand === undefined ? undefined : `${operand}.${kind.value.field}`;
}

function readsVariable(expr: Expr | undefined, name: string): boolean {
  if (!expr) return false;
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'identExpr':
      return kind.value.name === name;
    case 'selectExpr':
      return readsVariable(kind.value.operand, name);
    case 'callExpr':
      return readsVariable(kind.value.target, name) || kind.value.args.some((a) => readsVariable(a, name));
    case 'listExpr':
      return kind.value.elements.some((e) => readsVariable(e, name));
    case 'structExpr':
      return kind.value.entries.some((e) => readsVariable(e.value, name) || (e.keyKind.case === 'mapKey' && readsVariable(e.keyKind.value, name)));
    case 'comprehensionExpr': {
      const c = kind.value;
      return [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result].some((e) => readsVariable(e, name));
    }
    default:
      return false;
  }
}

/**
 * A rule's fieldPath (`.spec.foo`, `.map['key']`) as the path suffix Kubernetes reports;
 * it must name a field the schema has, as kube-apiserver checks when it takes the CRD.
 */
function normalizeFieldPath(fieldPath: string, schema: Schema, fail: (problem: string) => never): string {
  const steps: string[] = [];
  const pattern = /\.([A-Za-z_][A-Za-z0-9_-]*)|\['((?:[^'\\]|\\.)*)'\]/y;
  let node: Schema | undefined = schema;
  let rest = 0;
  while (rest < fieldPath.length) {
    pattern.lastIndex = rest;
    const m = pattern.exec(fieldPath);
    if (!m) fail(`fieldPath ${JSON.stringify(fieldPath)} is not a path of the form .a.b or ['a']`);
    const name = m![1] ?? m![2]!.replace(/\\(.)/g, '$1');
    const property: Schema | undefined = node?.properties?.[name];
    const mapValue: Schema | undefined = node && !property ? mapValueSchema(node) : undefined;
    node = property ?? mapValue;
    if (!node) fail(`fieldPath ${JSON.stringify(fieldPath)} names no field of the schema`);
    steps.push(property ? `${steps.length ? '.' : ''}${name}` : `[${name}]`);
    rest = pattern.lastIndex;
  }
  return steps.join('');
}
