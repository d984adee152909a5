// Duplicate keys in a request body: JSON.parse and YAML loaders silently keep the last
// one, but kube-apiserver reports them (an error under fieldValidation=Strict, a warning
// under Warn), so a typo'd manifest does not lose a field unnoticed. Paths are written
// the way kube writes them: `spec.addressFamilies[0].afi`.
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

/** Duplicate object keys in a JSON text, as field paths. Assumes the text is valid JSON. */
export function duplicateJsonFields(text: string): string[] {
  const found: string[] = [];
  let i = 0;
  const skipWs = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const readString = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    skipWs();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      skipWs();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skipWs();
        const key = readString();
        const child = path ? `${path}.${key}` : key;
        if (seen.has(key)) found.push(child);
        seen.add(key);
        skipWs();
        i++; // ':'
        value(child);
        skipWs();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      skipWs();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        value(`${path}[${index}]`);
        skipWs();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') {
      readString();
      return;
    }
    while (i < text.length && !',}] \t\n\r'.includes(text[i]!)) i++;
  };
  value('');
  return found;
}

/** Duplicate mapping keys in a YAML document, as field paths. */
export function duplicateYamlFields(text: string): string[] {
  const found: string[] = [];
  const walk = (node: Node | null | undefined, path: string): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const child = path ? `${path}.${key}` : key;
        if (seen.has(key)) found.push(child);
        seen.add(key);
        walk(pair.value as Node | null, child);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item as Node | null, `${path}[${index}]`));
    }
  };
  walk(parseDocument(text, { uniqueKeys: false }).contents, '');
  return found;
}
