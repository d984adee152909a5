// The status this node owns on each object it reports on, by kind.
import type { ObjectKind } from '../desired-state.js';
import type { Subject } from '../desired/build.js';
import { advertisementStatus } from './advertisement.js';
import { appliedObjectStatus, POLICY, VRF_INSTANCE } from './applied-object.js';
import type { NodeView } from './node-view.js';
import type { OwnedStatus } from './patch.js';
import { peerStatus } from './peer.js';
import { routerStatus } from './router.js';

const STATUS_OF: Record<ObjectKind, (subject: Subject, view: NodeView) => OwnedStatus> = {
  BGPRouter: routerStatus,
  BGPPeer: peerStatus,
  BGPAdvertisement: advertisementStatus,
  BGPPolicy: (subject, view) => appliedObjectStatus(POLICY, subject, view),
  BGPVRFInstance: (subject, view) => appliedObjectStatus(VRF_INSTANCE, subject, view),
};

export function ownedStatus(subject: Subject, view: NodeView): OwnedStatus {
  return STATUS_OF[subject.ref.kind](subject, view);
}
