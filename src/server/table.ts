// Server-side printing (meta.k8s.io Table) from a kind's printer columns, the way
// kube-apiserver converts custom resources: a Name column, then each column's JSONPath
// evaluated against the object; dates become ages, strings print as kubectl's
// jsonpath would.
import { JSONPath } from 'jsonpath-plus';
import type { PrinterColumn } from '../api/kinds.js';
import type { KubeObject } from '../api/object.js';
import { partialObjectMetadata } from './representation.js';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface Table {
  apiVersion: string;
  kind: 'Table';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions?: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** CRDs without printer columns get an Age column, as apiextensions defaults them. */
const DEFAULT_COLUMNS: PrinterColumn[] = [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }];

const NAME_COLUMN: TableColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

export class TableConvertor {
  private readonly columns: PrinterColumn[];
  readonly definitions: TableColumnDefinition[];

  constructor(columns: PrinterColumn[]) {
    this.columns = columns.length ? columns : DEFAULT_COLUMNS;
    this.definitions = [
      NAME_COLUMN,
      ...this.columns.map((c) => ({
        name: c.name,
        type: c.type,
        format: c.format ?? '',
        description: c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
        priority: c.priority ?? 0,
      })),
    ];
  }

  row(obj: KubeObject, include: IncludeObject, apiVersion: string): TableRow {
    const cells: unknown[] = [obj.metadata.name ?? ''];
    for (const col of this.columns) cells.push(cell(col, obj));
    const row: TableRow = { cells };
    if (include === 'Object') row.object = obj;
    else if (include === 'Metadata') row.object = partialObjectMetadata(obj, apiVersion);
    return row;
  }

  table(
    objects: KubeObject[],
    listMeta: Table['metadata'],
    opts: { include: IncludeObject; noHeaders?: boolean; transformVersion: string },
  ): Table {
    const table: Table = {
      apiVersion: opts.transformVersion,
      kind: 'Table',
      metadata: listMeta,
      rows: objects.map((o) => this.row(o, opts.include, opts.transformVersion)),
    };
    if (!opts.noHeaders) table.columnDefinitions = this.definitions;
    return table;
  }
}

function cell(col: PrinterColumn, obj: KubeObject): unknown {
  let results: unknown[];
  try {
    results = JSONPath({ path: '$' + col.jsonPath, json: obj as object, wrap: true, eval: 'safe' }) as unknown[];
  } catch {
    return null;
  }
  if (!results.length || results[0] === undefined || results[0] === null) return null;
  const value = results[0];
  switch (col.type) {
    case 'string':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' ? humanAge(value) : null;
    default:
      return null;
  }
}

/** kube's duration.HumanDuration of the time since `timestamp`. */
export function humanAge(timestamp: string, now = Date.now()): string {
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<invalid>';
  const seconds = Math.floor((now - t) / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const d = Math.floor(hours / 24);
    return h === 0 ? `${d}d` : `${d}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    const y = Math.floor(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}
