// FRR configuration as a tree: a line, and for a context (router bgp, address-family,
// vni, route-map entry, bfd profile…) the lines inside it. The renderer builds trees and
// prints them in the form `show running-config` prints; apply parses the running
// configuration back into the same shape to compare the two.

export interface ConfigNode {
  line: string;
  /** Set for a context, even an empty one (a route-map entry without clauses). */
  children?: ConfigNode[];
}

export function line(text: string): ConfigNode {
  return { line: text };
}

export function context(header: string, children: ConfigNode[]): ConfigNode {
  return { line: header, children };
}

/** The command that leaves a context, as FRR writes it. */
export function exitCommand(header: string): string {
  if (header.startsWith('address-family ')) return 'exit-address-family';
  if (header.startsWith('vni ')) return 'exit-vni';
  return 'exit';
}

export function printConfig(nodes: readonly ConfigNode[]): string {
  const out: string[] = [];
  const walk = (node: ConfigNode, depth: number) => {
    const indent = ' '.repeat(depth);
    out.push(indent + node.line);
    if (!node.children) return;
    for (const child of node.children) walk(child, depth + 1);
    out.push(indent + exitCommand(node.line));
  };
  for (const node of nodes) walk(node, 0);
  return out.length ? `${out.join('\n')}\n` : '';
}

const TERMINATOR = /^(exit(-[a-z-]+)?|end)$/;
// Banner lines of `show running-config`, not configuration.
const NOISE = new Set(['Building configuration...', 'Current configuration:', '!']);

/**
 * Parses configuration text by indentation, as FRR prints it: a context's lines are
 * indented one deeper than its header, and its exit line is level with the header.
 */
export function parseConfig(text: string): ConfigNode[] {
  const root: ConfigNode = { line: '', children: [] };
  const stack: { indent: number; node: ConfigNode }[] = [{ indent: -1, node: root }];
  for (const raw of text.split('\n')) {
    const trimmed = raw.trim();
    if (!trimmed || NOISE.has(trimmed)) continue;
    const indent = raw.length - raw.trimStart().length;
    while (stack.length > 1 && stack[stack.length - 1]!.indent > indent) stack.pop();
    if (TERMINATOR.test(trimmed)) {
      const top = stack[stack.length - 1]!;
      if (stack.length > 1 && top.indent === indent) {
        top.node.children ??= [];
        stack.pop();
      }
      continue;
    }
    while (stack.length > 1 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const parent = stack[stack.length - 1]!.node;
    const node: ConfigNode = { line: trimmed };
    (parent.children ??= []).push(node);
    stack.push({ indent, node });
  }
  return root.children!;
}
