// Building the RIB object (src/api/rib.ts) the agent serves for one router.
import type { Rib, RibFamily } from '../../api/rib.js';
import { BGP_API_VERSION } from '../watch/resources.js';

export type { Rib, RibFamily, RibRoute } from '../../api/rib.js';

export function ribObject(namespace: string, name: string, families: RibFamily[]): Rib {
  return { apiVersion: BGP_API_VERSION, kind: 'RIB', metadata: { name, namespace }, families };
}
