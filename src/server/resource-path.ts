// Parsing resource URLs:
//   /apis/<group>/<version>[/watch][/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]

export interface ResourcePath {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource: string;
  /** The deprecated /watch/ path prefix was used. */
  watchPrefix: boolean;
}

export function parseResourcePath(pathname: string): ResourcePath | null {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts[0] !== 'apis' || parts.length < 4) return null;
  const [, group, version] = parts as [string, string, string];
  let i = 3;
  const watchPrefix = parts[i] === 'watch';
  if (watchPrefix) i++;
  let namespace: string | undefined;
  if (parts[i] === 'namespaces' && parts.length > i + 2) {
    namespace = parts[i + 1];
    i += 2;
  }
  const rest = parts.slice(i);
  if (rest.length < 1 || rest.length > 3) return null;
  return { group, version, namespace, resource: rest[0]!, name: rest[1], subresource: rest[2] ?? '', watchPrefix };
}
