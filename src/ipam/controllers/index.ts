// IPAM's server-side controllers, wired to what they watch: VPC and VPCAttachment objects
// (the registry's watch caches) and the addresses held per VPC (IPAM's index).
import type { ResourceStore } from '../../registry/resource-store.js';
import type { Ipam } from '../ipam.js';
import { AttachmentController } from './attachment-controller.js';
import { Informer } from './informer.js';
import { keyOf, objectKey, vpcOf } from './objects.js';
import { VpcController } from './vpc-controller.js';
import { WorkQueue } from './work-queue.js';

export interface IpamControllerOptions {
  ipam: Ipam;
  vpcs: ResourceStore;
  attachments: ResourceStore;
  onError(err: unknown, what: string): void;
}

export interface RunningControllers {
  stop(): void;
}

// Changes to a VPC's addresses come in bursts: its status is recomputed at most about
// every COALESCE_MS while they last.
const COALESCE_MS = 100;
const CONCURRENCY = 4;

export async function startIpamControllers(options: IpamControllerOptions): Promise<RunningControllers> {
  const { ipam, onError } = options;
  const queue = (name: string, work: (key: string) => Promise<void>) =>
    new WorkQueue(work, { delayMs: COALESCE_MS, concurrency: CONCURRENCY, onError: (key, err) => onError(err, `${name} ${key}`) });
  const vpcQueue = queue('VPC', (key) => vpcController.reconcile(key));
  const attachmentQueue = queue('VPCAttachment', (key) => attachmentController.reconcile(key));

  // The handlers run once the informers start, below, when everything here exists.
  const vpcs = new Informer(
    options.vpcs,
    {
      upsert: (vpc, previous) => {
        vpcQueue.add(keyOf(vpc));
        // Attachments waiting for it care about its existence and networks, not its status.
        if (!previous || previous.metadata.generation !== vpc.metadata.generation) attachmentController.vpcChanged(keyOf(vpc));
      },
      deleted: (vpc) => {
        vpcController.noteDeleted(keyOf(vpc));
        vpcQueue.add(keyOf(vpc));
      },
    },
    (err) => onError(err, 'VPC informer'),
  );
  const attachments = new Informer(
    options.attachments,
    {
      upsert: (attachment) => attachmentQueue.add(keyOf(attachment)),
      // A VPC being deleted waits for its attachments to go.
      deleted: (attachment) => {
        const vpc = vpcOf(attachment);
        if (vpc) vpcQueue.add(objectKey(attachment.metadata.namespace ?? '', vpc));
      },
    },
    (err) => onError(err, 'VPCAttachment informer'),
  );
  const vpcController = new VpcController(ipam, vpcs, options.attachments);
  const attachmentController = new AttachmentController(ipam, attachments, attachmentQueue);

  await ipam.start();
  const unsubscribe = ipam.onAddressesChanged((namespace, vpc) => {
    const key = objectKey(namespace, vpc);
    vpcQueue.add(key);
    attachmentController.vpcChanged(key);
  });
  await Promise.all([vpcs.start(), attachments.start()]);
  return {
    stop() {
      unsubscribe();
      vpcs.stop();
      attachments.stop();
      vpcQueue.close();
      attachmentQueue.close();
    },
  };
}
