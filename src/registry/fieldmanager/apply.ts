// Server-side apply (`PATCH` with `application/apply-patch+yaml`), as kube-apiserver
// does it:
//
// 1. the applied configuration is merged into the live object by the schema's list and
//    map semantics (merge.ts);
// 2. what this manager applied last time and omits now is removed, unless another
//    manager owns it (prune.ts);
// 3. fields this apply changes that other managers own are conflicts: a 409 naming each,
//    or, with force, ownership moves to the applier;
// 4. the applier's Apply entry becomes exactly the fields it applied; other managers lose
//    what it took and what it removed.
import type { KubeObject } from '../../api/object.js';
import { badRequest } from '../../meta/status.js';
import { isJsonObject } from '../../patch/json.js';
import { compare } from './compare.js';
import { applyConflictError, type Conflict } from './conflicts.js';
import { fieldSetOf } from './field-set-of.js';
import { identityErrors } from './identity-errors.js';
import { clientSideAppliedFields, KUBECTL_MANAGER, syncLastApplied } from './last-applied.js';
import { decodeOrForget, managerKey, type ManagerEntry } from './managers.js';
import { merge } from './merge.js';
import { ownableBy, SERVER_OWNED } from './ownable.js';
import { prune } from './prune.js';
import { objectSchema, type Schema } from './structure.js';
import { apiVersionOf, withManagers, withoutManagedFields, type WriteOptions } from './write.js';

export interface ApplyOptions extends WriteOptions {
  /** `force=true`: take fields other managers own instead of failing with a conflict. */
  force?: boolean;
}

/**
 * The object after applying `config` (the decoded apply patch) to `live` (undefined
 * when the object does not exist yet: the result is then the object to create), with
 * its managedFields. Neither argument is modified. Throws ApiError: 400 for a
 * configuration that cannot be applied, 409 for conflicts.
 */
export function apply(live: KubeObject | undefined, config: unknown, options: ApplyOptions): KubeObject {
  const { kind, manager, time } = options;
  const subresource = options.subresource ?? '';
  const schema = objectSchema(kind);
  const applied = checkedConfiguration(config, options, schema);
  const ownable = ownableBy(kind, subresource);

  const before = withoutManagedFields(live);
  const managers = decodeOrForget(live?.metadata?.managedFields);
  const applier: ManagerEntry = { manager, operation: 'Apply', apiVersion: apiVersionOf(kind), subresource, fields: ownable(fieldSetOf(applied, schema)) };
  const key = managerKey(applier);
  const previous = managers.get(key);
  managers.delete(key);

  let after = merge(before, applied, schema) as Record<string, unknown>;
  if (previous) {
    const owned = [...managers.values()].reduce((all, m) => all.union(m.fields), applier.fields.union(SERVER_OWNED));
    after = prune(after, schema, previous.fields, owned) as Record<string, unknown>;
  }

  const changes = compare(before, after, schema);
  const taken = ownable(changes.added.union(changes.modified));
  const removed = ownable(changes.removed);
  const conflicts = [...managers.values()].map((owner) => ({ owner, fields: owner.fields.intersection(taken) })).filter((c) => !c.fields.empty);
  const unresolved = options.force ? [] : withoutClientSideApplied(conflicts, manager, live, schema);
  if (unresolved.length > 0) throw applyConflictError(unresolved);

  for (const [k, m] of managers) managers.set(k, { ...m, fields: m.fields.difference(taken).difference(removed) });
  // Changes the strategy will discard (status through the main resource, and the
  // reverse) do not count, so re-applying a manifest that carries them does not churn.
  const touched = !previous || !taken.empty || !removed.empty || !previous.fields.equals(applier.fields);
  const stamp = touched ? time : previous.time;
  managers.set(key, { ...applier, ...(stamp && { time: stamp }) });

  const result = withManagers(after, managers);
  if (manager === KUBECTL_MANAGER) syncLastApplied(result, applied);
  return result;
}

/**
 * kubectl's first server-side apply after client-side applies may take the fields the
 * last-applied annotation says it applied (see last-applied.ts); other conflicts stand.
 */
function withoutClientSideApplied(conflicts: Conflict[], manager: string, live: KubeObject | undefined, schema: Schema): Conflict[] {
  if (conflicts.length === 0 || manager !== KUBECTL_MANAGER) return conflicts;
  const clientSideApplied = clientSideAppliedFields(withoutManagedFields(live) as KubeObject, schema);
  if (!clientSideApplied) return conflicts;
  return conflicts.map((c) => ({ ...c, fields: c.fields.difference(clientSideApplied) })).filter((c) => !c.fields.empty);
}

/** The configuration, if it is one this kind can apply; 400 with kube's message if not. */
function checkedConfiguration(config: unknown, options: ApplyOptions, schema: Schema): Record<string, unknown> {
  if (!isJsonObject(config)) throw badRequest('error decoding YAML: the apply configuration must be an object');
  const { kind } = options;
  const apiVersion = typeof config.apiVersion === 'string' ? config.apiVersion : '';
  const kindName = typeof config.kind === 'string' ? config.kind : '';
  const gvk = `${apiVersion.includes('/') ? apiVersion : `/${apiVersion}`}, Kind=${kindName}`;
  if (kindName !== kind.kind) throw badRequest(`invalid object type: ${gvk}`);
  const expected = apiVersionOf(kind);
  if (apiVersion !== expected) {
    throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${apiVersion}, expected: ${expected}`);
  }
  const metadata = isJsonObject(config.metadata) ? config.metadata : {};
  if (metadata.managedFields !== undefined && metadata.managedFields !== null) throw badRequest('metadata.managedFields must be nil');
  const errors = identityErrors(config, schema);
  if (errors.length > 0) {
    const text = errors.length === 1 ? errors[0] : ['errors:', ...errors.map((e) => `  ${e}`)].join('\n');
    const name = `${stringOr(metadata.namespace)}/${stringOr(metadata.name)}`;
    throw badRequest(`failed to create typed patch object (${name}; ${gvk}): ${text}`);
  }
  return config;
}

function stringOr(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
