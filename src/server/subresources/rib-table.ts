// A RIB as a meta.k8s.io Table, one row per path, so that
// `kubectl get bgpr NAME --subresource rib` reads like `show bgp`: PREFIX, NEXT-HOP,
// AS-PATH, LOCPRF, BEST, FROM, and with -o wide the rest of each path.
import type { Rib, RibRoute } from '../../api/rib.js';
import type { Table, TableColumnDefinition } from '../table.js';

interface RibColumn extends TableColumnDefinition {
  /** The cell; null when the path has no such value (kubectl leaves it blank, as `show bgp` does). */
  value(route: RibRoute): string | number | boolean | null;
}

const column = (name: string, type: string, description: string, value: RibColumn['value'], priority = 0): RibColumn => ({
  name,
  type,
  format: '',
  description,
  priority,
  value,
});

const orBlank = (text: string): string | null => text || null;

const COLUMNS: RibColumn[] = [
  column('Prefix', 'string', 'The destination, in CIDR notation (EVPN: the route as FRR prints it).', (r) => r.prefix),
  column('Next-Hop', 'string', 'The next-hop addresses of the path.', (r) => orBlank(r.nextHops.join(','))),
  column('AS-Path', 'string', 'The AS path; none for locally originated paths.', (r) => orBlank(r.asPath)),
  column('LocPrf', 'integer', 'The LOCAL_PREF attribute.', (r) => r.localPref ?? null),
  column('Best', 'boolean', 'Whether BGP selected this path for the prefix.', (r) => r.best),
  column('From', 'string', 'The peer the path was learned from; none for locally originated paths.', (r) => r.peer ?? null),
  column('Valid', 'boolean', 'Whether the path is usable.', (r) => r.valid, 1),
  column('Origin', 'string', 'The ORIGIN attribute.', (r) => r.origin, 1),
  column('MED', 'integer', 'The MULTI_EXIT_DISC attribute.', (r) => r.med ?? null, 1),
  column('Communities', 'string', 'The standard communities of the path.', (r) => orBlank(r.communities.join(',')), 1),
];

const DEFINITIONS: TableColumnDefinition[] = COLUMNS.map(({ value: _value, ...definition }) => definition);

/** `transformVersion`: meta.k8s.io/v1 or v1beta1, as negotiated. */
export function ribTable(rib: Rib, transformVersion: string): Table {
  return {
    apiVersion: transformVersion,
    kind: 'Table',
    metadata: {},
    columnDefinitions: DEFINITIONS,
    rows: rib.families.flatMap((family) => family.routes.map((route) => ({ cells: COLUMNS.map((c) => c.value(route)) }))),
  };
}
