// The server's VPCAttachment controller: an attachment is ready once it holds every address
// it lists. Its own writes take them (see write-hooks.ts); this controller takes what
// they could not, once that becomes possible (its VPC is created after it, or an address
// it lists is released by the owner that held it), and reports in status why not yet.
import type { KubeObject } from '../../api/object.js';
import { isApiError } from '../../meta/status.js';
import type { Ipam } from '../ipam.js';
import { withTransitionTimes, type Condition, type DesiredCondition } from './conditions.js';
import type { Informer } from './informer.js';
import { writeStatus } from './status-writer.js';
import { CONTROLLER_MANAGER, objectKey, splitKey, vpcOf } from './objects.js';
import type { WorkQueue } from './work-queue.js';

export class AttachmentController {
  /** Attachments not holding their addresses yet, by VPC key: what to look at again when it changes. */
  private readonly waiting = new Map<string, Set<string>>();

  constructor(
    private readonly ipam: Ipam,
    private readonly attachments: Informer,
    private readonly queue: WorkQueue,
  ) {}

  /** The VPC `key` appeared, changed its networks, or its held addresses changed. */
  vpcChanged(key: string): void {
    for (const attachment of this.waiting.get(key) ?? []) this.queue.add(attachment);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const attachment = this.attachments.get(namespace, name);
    const vpc = attachment && vpcOf(attachment);
    this.forget(key);
    // Being deleted, it holds on until the registry releases all with the object.
    if (!attachment || !vpc || attachment.metadata.deletionTimestamp) return;
    const ready = await this.hold(namespace, name, vpc);
    if (!ready) return;
    if (ready.status !== 'True') this.wait(objectKey(namespace, vpc), key);
    await writeStatus(this.attachments.store, attachment, (current) => attachmentStatus(attachment, ready, current), CONTROLLER_MANAGER);
  }

  /** The Ready condition once the attachment holds what it can; null when it is gone. */
  private async hold(namespace: string, name: string, vpc: string): Promise<DesiredCondition | null> {
    try {
      const hold = await this.ipam.holdAttachmentAddresses(namespace, name);
      if (hold === 'gone') return null;
      if (hold === 'vpc-missing') return notReady('VPCNotFound', `VPC ${JSON.stringify(vpc)} does not exist`);
      return { type: 'Ready', status: 'True', reason: 'AddressesHeld', message: 'every listed address is held by this attachment' };
    } catch (err) {
      if (!isApiError(err) || err.status.code >= 500) throw err;
      const cause = err.status.details?.causes?.[0];
      return notReady(cause?.reason ?? err.status.reason ?? 'AddressesNotHeld', err.status.message);
    }
  }

  private wait(vpc: string, attachment: string): void {
    let set = this.waiting.get(vpc);
    if (!set) this.waiting.set(vpc, (set = new Set()));
    set.add(attachment);
  }

  private forget(attachment: string): void {
    for (const [vpc, set] of this.waiting) {
      if (set.delete(attachment) && set.size === 0) this.waiting.delete(vpc);
    }
  }
}

const notReady = (reason: string, message: string): DesiredCondition => ({ type: 'Ready', status: 'False', reason, message });

function attachmentStatus(attachment: KubeObject, ready: DesiredCondition, current: Record<string, unknown> | undefined): Record<string, unknown> {
  const generation = attachment.metadata.generation;
  const conditions = withTransitionTimes([{ ...ready, observedGeneration: generation }], current?.conditions as Condition[] | undefined);
  return {
    ready: ready.status === 'True',
    identifier: attachment.metadata.uid,
    ...(generation !== undefined && { observedGeneration: generation }),
    conditions,
  };
}
