// A set of field paths, kept as a trie of path elements: what one manager owns, or what
// one write added, changed or removed. Its wire form is FieldsV1 (metav1.FieldsV1): a JSON
// object per trie node whose keys are elements; `{}` marks a member without descendants,
// and `".": {}` marks a member that also has descendants.
import { isJsonObject } from '../../patch/json.js';
import { canonicalElement, compareElements, type Path } from './path.js';

export class FieldSet {
  // Invariant: every node is a member or has a child, so `{}` never means "nothing".
  private member = false;
  private readonly children = new Map<string, FieldSet>();

  static of(...paths: Path[]): FieldSet {
    const set = new FieldSet();
    for (const path of paths) set.insert(path);
    return set;
  }

  /** Throws on anything that is not FieldsV1. */
  static fromFieldsV1(fields: unknown): FieldSet {
    if (!isJsonObject(fields)) throw new Error('FieldsV1 must be a JSON object');
    const set = new FieldSet();
    for (const [key, value] of Object.entries(fields)) {
      if (!isJsonObject(value)) throw new Error(`FieldsV1 entry ${JSON.stringify(key)} must be a JSON object`);
      if (key === '.') {
        set.member = true;
        continue;
      }
      const child = FieldSet.fromFieldsV1(value);
      if (Object.keys(value).length === 0) child.member = true;
      set.children.set(canonicalElement(key), child);
    }
    return set;
  }

  insert(path: Path): void {
    let node: FieldSet = this;
    for (const element of path) {
      let next = node.children.get(element);
      if (!next) {
        next = new FieldSet();
        node.children.set(element, next);
      }
      node = next;
    }
    node.member = true;
  }

  has(path: Path): boolean {
    return this.at(path)?.member ?? false;
  }

  /** The subset below `element`, paths relative to it. */
  child(element: string): FieldSet | undefined {
    return this.children.get(element);
  }

  get isMember(): boolean {
    return this.member;
  }

  get empty(): boolean {
    return !this.member && this.children.size === 0;
  }

  union(other: FieldSet): FieldSet {
    return FieldSet.combine(this, other, (a, b) => a || b);
  }

  /** Members of this set that are not members of `other` (descendants of those stay). */
  difference(other: FieldSet): FieldSet {
    return FieldSet.combine(this, other, (a, b) => a && !b);
  }

  intersection(other: FieldSet): FieldSet {
    return FieldSet.combine(this, other, (a, b) => a && b);
  }

  /** Only the top-level subtrees named by `elements`. */
  pick(elements: readonly string[]): FieldSet {
    return this.filterTop((element) => elements.includes(element));
  }

  /** Without the top-level subtrees named by `elements`. */
  omit(elements: readonly string[]): FieldSet {
    return this.filterTop((element) => !elements.includes(element));
  }

  equals(other: FieldSet): boolean {
    if (this.member !== other.member || this.children.size !== other.children.size) return false;
    for (const [element, child] of this.children) {
      const theirs = other.children.get(element);
      if (!theirs || !child.equals(theirs)) return false;
    }
    return true;
  }

  /** Every member, in FieldsV1 order. */
  paths(): Path[] {
    const out: Path[] = [];
    const walk = (node: FieldSet, prefix: string[]) => {
      if (node.member) out.push(prefix);
      for (const element of node.sortedElements()) walk(node.children.get(element)!, [...prefix, element]);
    };
    walk(this, []);
    return out;
  }

  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const element of this.sortedElements()) {
      const child = this.children.get(element)!;
      if (child.children.size === 0) out[element] = {};
      else out[element] = child.member ? { '.': {}, ...child.toFieldsV1() } : child.toFieldsV1();
    }
    return out;
  }

  private at(path: Path): FieldSet | undefined {
    let node: FieldSet | undefined = this;
    for (const element of path) node = node?.children.get(element);
    return node;
  }

  private sortedElements(): string[] {
    return [...this.children.keys()].sort(compareElements);
  }

  private filterTop(keep: (element: string) => boolean): FieldSet {
    const out = new FieldSet();
    for (const [element, child] of this.children) if (keep(element)) out.children.set(element, child.union(new FieldSet()));
    return out;
  }

  private static combine(a: FieldSet | undefined, b: FieldSet | undefined, member: (a: boolean, b: boolean) => boolean): FieldSet {
    const out = new FieldSet();
    out.member = member(a?.member ?? false, b?.member ?? false);
    const keep = (element: string, child: FieldSet) => {
      if (!child.empty) out.children.set(element, child);
    };
    if (a) for (const [element, child] of a.children) keep(element, FieldSet.combine(child, b?.children.get(element), member));
    if (b) for (const [element, child] of b.children) if (!a?.children.has(element)) keep(element, FieldSet.combine(undefined, child, member));
    return out;
  }
}
