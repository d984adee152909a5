// What individual kinds add to the generic API machinery (write hooks, subresources),
// assembled for the command line. Each entry is data the server consumes; the server
// itself never names a kind.
import type { Storage } from '../../storage/interface.js';
import type { KindExtension } from '../server/apiserver.js';

export interface ExtensionDeps {
  storage: Storage;
}

export function kindExtensions(_deps: ExtensionDeps): KindExtension[] {
  return [];
}
