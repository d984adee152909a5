// Writes owned status through the /status subresource, only when it differs from what the
// object says: a server-side apply under the agent's field manager, forced (the agent is
// the authority on what its node observes), then, if entries of routers that are gone
// remain, a patch deleting them. Callers pass the latest version they know
// (OwnWrites.latest), on which the owned status was computed too; the writer records what
// each write returned.
//
// A field the kind's schema lacks (status.routers[] until the schemas have it) is pruned
// by the server, and writing it again on every reconcile would be endless churn: the
// first write that shows a field dropped stops the writer sending it for that kind.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ObjectKind, ObjectRef } from '../desired-state.js';
import type { OwnWrites } from '../watch/own-writes.js';
import { BGP_API_VERSION, BGP_GROUP, BGP_VERSION, pluralOfKind } from '../watch/resources.js';
import { removalPatch, splitStatusPatch, statusPatch, type OwnedStatus, type StatusBody } from './patch.js';

export interface StatusObject {
  metadata: { uid?: string; resourceVersion?: string };
  status?: unknown;
}

export class StatusWriter {
  private readonly api: CustomObjectsApi;
  private readonly pruned = new Map<ObjectKind, Set<string>>();
  private written = 0;

  constructor(
    kubeconfig: KubeConfig,
    private readonly logger: Logger,
    private readonly fieldManager: string,
    private readonly own: OwnWrites,
  ) {
    this.api = kubeconfig.makeApiClient(CustomObjectsApi);
  }

  /** How many status writes this writer made. */
  get writes(): number {
    return this.written;
  }

  /** Returns true when it wrote. */
  async write(ref: ObjectRef, object: StatusObject, owned: OwnedStatus): Promise<boolean> {
    const patch = statusPatch(object.status as StatusBody | undefined, this.withoutPruned(ref.kind, owned));
    if (!patch) return false;
    const { applied, removed } = splitStatusPatch(patch);

    const configuration = { apiVersion: BGP_API_VERSION, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace }, status: applied };
    const updated = await this.patchStatus(ref, configuration, PatchStrategy.ServerSideApply);
    this.record(object, updated);
    this.logger.info({ kind: ref.kind, namespace: ref.namespace, name: ref.name, status: summarize(applied) }, 'status updated');
    this.notePruned(ref.kind, applied, (updated.status ?? {}) as StatusBody);

    // What the apply removed itself (entries this agent applied before) needs no patch.
    const removal = removalPatch(updated.status as StatusBody | undefined, removed);
    if (removal) {
      this.record(updated, await this.patchStatus(ref, removal, PatchStrategy.StrategicMergePatch));
      this.logger.info({ kind: ref.kind, namespace: ref.namespace, name: ref.name, routers: removed }, 'status entries of routers that are gone removed');
    }
    return true;
  }

  private async patchStatus(ref: ObjectRef, body: object, strategy: PatchStrategy): Promise<StatusObject> {
    const apply = strategy === PatchStrategy.ServerSideApply;
    return (await this.api.patchNamespacedCustomObjectStatus(
      {
        group: BGP_GROUP,
        version: BGP_VERSION,
        namespace: ref.namespace,
        plural: pluralOfKind(ref.kind),
        name: ref.name,
        body,
        fieldManager: this.fieldManager,
        ...(apply && { force: true }),
      },
      setHeaderOptions('Content-Type', strategy),
    )) as StatusObject;
  }

  private record(before: StatusObject, after: StatusObject): void {
    this.written++;
    this.own.record(before, after);
  }

  private withoutPruned(kind: ObjectKind, owned: OwnedStatus): OwnedStatus {
    const pruned = this.pruned.get(kind);
    if (!pruned) return owned;
    const fields = Object.fromEntries(Object.entries(owned.fields).filter(([field]) => !pruned.has(field)));
    return { ...owned, fields, routers: pruned.has('routers') ? undefined : owned.routers };
  }

  private notePruned(kind: ObjectKind, sent: StatusBody, kept: StatusBody): void {
    const dropped = Object.entries(sent).filter(([field]) => !Object.hasOwn(kept, field));
    for (const [field] of dropped) {
      this.pruned.set(kind, new Set([...(this.pruned.get(kind) ?? []), field]));
      this.logger.warn({ kind, field: `status.${field}` }, 'the API server does not keep this status field; it is not written any more');
    }
  }
}

/** The facts worth a log line: conditions as type=status/reason, scalar fields as they are. */
function summarize(status: StatusBody): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(status)) {
    if (field === 'conditions') {
      out.conditions = (value as { type: string; status: string; reason: string }[]).map((c) => `${c.type}=${c.status}/${c.reason}`);
    } else if (field !== 'routers') out[field] = value;
  }
  return out;
}
