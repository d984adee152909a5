// The server's VPC controller, run in every apiserver process (they agree, since each
// computes from storage, and a status equal to the stored one is not written):
//
// * keeps each VPC's status current: identifier, per-network counts, conditions;
// * lets a VPC being deleted go (removes its finalizer) once no owner holds addresses in
//   it and no attachment refers to it;
// * releases whatever is still held of a VPC that no longer exists: an allocation that
//   raced the VPC's deletion (the allocator saw the VPC before it was marked for deletion
//   and committed after the last count), or anything held when its finalizer was removed
//   by hand, leaves nothing behind for a later VPC of the same name.
import type { KubeObject } from '../../api/object.js';
import { ObjectFilter } from '../../registry/filter.js';
import type { ResourceStore } from '../../registry/resource-store.js';
import { isApiError } from '../../meta/status.js';
import type { Ipam } from '../ipam.js';
import type { VpcObject } from '../request.js';
import { VPC_FINALIZER } from '../write-hooks.js';
import type { Informer } from './informer.js';
import { CONTROLLER_MANAGER, splitKey, vpcOf } from './objects.js';
import { writeStatus } from './status-writer.js';
import { vpcStatus, type VpcFacts } from './vpc-status.js';

const ALL = new ObjectFilter();

const asVpc = (vpc: KubeObject): VpcObject => ({ metadata: vpc.metadata, spec: vpc.spec as VpcObject['spec'] });

export class VpcController {
  /** VPCs deleted since they were last reconciled: what they held must be released. */
  private readonly deleted = new Set<string>();

  constructor(
    private readonly ipam: Ipam,
    private readonly vpcs: Informer,
    private readonly attachments: ResourceStore,
  ) {}

  /** The VPC `key` was deleted (another of its name may exist already). */
  noteDeleted(key: string): void {
    this.deleted.add(key);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const vpc = this.vpcs.get(namespace, name);
    if (!vpc || this.deleted.has(key)) {
      await this.ipam.releaseStale(namespace, name, () => this.liveUid(namespace, name));
      this.deleted.delete(key);
    }
    if (!vpc) return;
    const finalizers = vpc.metadata.finalizers ?? [];
    if (vpc.metadata.deletionTimestamp) {
      if (!finalizers.includes(VPC_FINALIZER)) return;
      const waitingFor = await this.remaining(namespace, name);
      if (waitingFor.owners === 0 && waitingFor.attachments === 0) return this.setFinalizer(vpc, false);
      const vni = await this.ipam.vni(namespace, name, vpc.metadata.uid ?? '');
      return this.writeStatus(vpc, { vni, usage: await this.ipam.usage(namespace, asVpc(vpc)), waitingFor });
    }
    // VPCs created before IPAM was wired in get what a create now gives them.
    if (!finalizers.includes(VPC_FINALIZER)) await this.setFinalizer(vpc, true);
    const vni = await this.ipam.assignVni(namespace, name, vpc.metadata.uid ?? '');
    await this.writeStatus(vpc, { vni, usage: await this.ipam.usage(namespace, asVpc(vpc)) });
  }

  private writeStatus(vpc: KubeObject, facts: VpcFacts): Promise<void> {
    return writeStatus(this.vpcs.store, vpc, (current) => vpcStatus(vpc, facts, current), CONTROLLER_MANAGER);
  }

  /** What the deletion of the VPC waits for, read from storage (a count must be current). */
  private async remaining(namespace: string, name: string): Promise<{ owners: number; attachments: number }> {
    const [owners, attachments] = await Promise.all([
      this.ipam.ownerCount(namespace, name),
      this.attachments.list({ namespace, filter: ALL }),
    ]);
    return { owners, attachments: attachments.items.filter((a) => vpcOf(a) === name).length };
  }

  private async setFinalizer(vpc: KubeObject, present: boolean): Promise<void> {
    try {
      await this.vpcs.store.update(
        {
          namespace: vpc.metadata.namespace,
          name: vpc.metadata.name!,
          subresource: '',
          retryOnConflict: true,
          mutate: (current) => {
            if (current.metadata.uid !== vpc.metadata.uid) return current;
            const others = (current.metadata.finalizers ?? []).filter((f) => f !== VPC_FINALIZER);
            return { ...current, metadata: { ...current.metadata, finalizers: present ? [...others, VPC_FINALIZER] : others } };
          },
        },
        { fieldManager: CONTROLLER_MANAGER },
      );
    } catch (err) {
      if (!(isApiError(err) && err.status.code === 404)) throw err;
    }
  }

  /** The uid of the VPC of this name as storage has it now; undefined when there is none. */
  private async liveUid(namespace: string, name: string): Promise<string | undefined> {
    try {
      return (await this.vpcs.store.get(namespace, name)).metadata.uid;
    } catch (err) {
      if (isApiError(err) && err.status.code === 404) return undefined;
      throw err;
    }
  }
}
