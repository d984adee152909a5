// API discovery, built once from the kind definitions: the legacy documents (/apis,
// /apis/<group>, /apis/<group>/<version>) and aggregated discovery
// (apidiscovery.k8s.io/v2 APIGroupDiscoveryList), which is served only when the Accept
// header asks for it: answering it to a client that did not ask once broke namespace
// deletion in real clusters.
import { createHash } from 'node:crypto';
import type { KindDefinition } from '../api/kinds.js';
import { groupVersions } from '../api/kinds.js';

const RESOURCE_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

export interface DiscoveryDocuments {
  apis: unknown;
  groups: Map<string, unknown>;
  resourceLists: Map<string, unknown>;
  aggregated: { v2: AggregatedDocument; v2beta1: AggregatedDocument };
}

export interface AggregatedDocument {
  body: string;
  etag: string;
}

function storageVersionHash(kind: KindDefinition): string {
  return createHash('sha256').update(`${kind.group}/${kind.version}/${kind.kind}`).digest('base64').slice(0, 11);
}

/** Subresources a kind's registration adds beyond status. */
export type ExtraSubresources = (kind: KindDefinition) => { name: string; kind: string; verbs: string[] }[];

function apiResources(kinds: KindDefinition[], extra: ExtraSubresources): unknown[] {
  return kinds.flatMap((k) => {
    const main = {
      name: k.plural,
      singularName: k.singular,
      namespaced: k.scope === 'Namespaced',
      kind: k.kind,
      verbs: RESOURCE_VERBS,
      shortNames: k.shortNames.length ? k.shortNames : undefined,
      categories: k.categories.length ? k.categories : undefined,
      storageVersionHash: storageVersionHash(k),
    };
    const status = k.hasStatus
      ? [{ name: `${k.plural}/status`, singularName: '', namespaced: k.scope === 'Namespaced', kind: k.kind, verbs: STATUS_VERBS }]
      : [];
    const custom = extra(k).map((sub) => ({ name: `${k.plural}/${sub.name}`, singularName: '', namespaced: k.scope === 'Namespaced', kind: sub.kind, verbs: sub.verbs }));
    return [main, ...status, ...custom];
  });
}

function aggregatedResources(kinds: KindDefinition[], extra: ExtraSubresources): unknown[] {
  return kinds.map((k) => ({
    resource: k.plural,
    responseKind: { group: k.group, version: k.version, kind: k.kind },
    scope: k.scope,
    singularResource: k.singular,
    verbs: RESOURCE_VERBS,
    shortNames: k.shortNames.length ? k.shortNames : undefined,
    categories: k.categories.length ? k.categories : undefined,
    subresources: [
      ...(k.hasStatus ? [{ subresource: 'status', responseKind: { group: k.group, version: k.version, kind: k.kind }, verbs: STATUS_VERBS }] : []),
      ...extra(k).map((sub) => ({ subresource: sub.name, responseKind: { group: k.group, version: k.version, kind: sub.kind }, verbs: sub.verbs })),
    ],
  }));
}

function aggregated(kinds: KindDefinition[], extra: ExtraSubresources, version: 'v2' | 'v2beta1'): AggregatedDocument {
  const byGroup = new Map<string, { version: string; resources: unknown[]; freshness: string }[]>();
  for (const gv of groupVersions(kinds)) {
    const versions = byGroup.get(gv.group) ?? [];
    versions.push({ version: gv.version, resources: aggregatedResources(gv.kinds, extra), freshness: 'Current' });
    byGroup.set(gv.group, versions);
  }
  const doc = {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: [...byGroup].map(([group, versions]) => ({ metadata: { name: group }, versions })),
  };
  const body = JSON.stringify(doc);
  return { body, etag: `"${createHash('sha512').update(body).digest('hex').toUpperCase()}"` };
}

export function buildDiscovery(kinds: KindDefinition[], extra: ExtraSubresources = () => []): DiscoveryDocuments {
  const gvs = groupVersions(kinds);
  const groups = new Map<string, unknown>();
  const resourceLists = new Map<string, unknown>();
  const groupNames = [...new Set(gvs.map((gv) => gv.group))];
  const groupDocs = groupNames.map((group) => {
    const versions = gvs.filter((gv) => gv.group === group).map((gv) => ({ groupVersion: `${group}/${gv.version}`, version: gv.version }));
    return { name: group, versions, preferredVersion: versions[0] };
  });
  for (const g of groupDocs) groups.set(g.name, { kind: 'APIGroup', apiVersion: 'v1', ...g });
  for (const gv of gvs) {
    resourceLists.set(`${gv.group}/${gv.version}`, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `${gv.group}/${gv.version}`,
      resources: apiResources(gv.kinds, extra),
    });
  }
  return {
    apis: { kind: 'APIGroupList', apiVersion: 'v1', groups: groupDocs },
    groups,
    resourceLists,
    aggregated: { v2: aggregated(kinds, extra, 'v2'), v2beta1: aggregated(kinds, extra, 'v2beta1') },
  };
}
