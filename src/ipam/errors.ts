// The API errors IPAM answers with, as metav1.Status. Causes carry the field that was
// refused, the way server-side apply's 409s do, so clients can point at the culprit.
import type { FieldError } from '../meta/field-errors.js';
import * as errors from '../meta/status.js';
import type { ApiError, StatusCause } from '../meta/status.js';

const GROUP = 'vpc.miloapis.com';
const VPCS = { group: GROUP, resource: 'vpcs' };
const ATTACHMENTS = { group: GROUP, resource: 'vpcattachments' };

/** What was being written when IPAM refused: an allocation request or an attachment. */
export interface Subject {
  /** For messages: the VPC (allocations) or the attachment (attachments). */
  name: string;
  resource: typeof VPCS | typeof ATTACHMENTS;
  /** The kind whose fields the field errors name. */
  kind: 'AddressAllocation' | 'VPCAttachment';
}

export const allocationSubject = (vpc: string): Subject => ({ name: vpc, resource: VPCS, kind: 'AddressAllocation' });
export const attachmentSubject = (attachment: string): Subject => ({ name: attachment, resource: ATTACHMENTS, kind: 'VPCAttachment' });

function withCause(err: ApiError, cause: StatusCause): ApiError {
  err.status.details = { ...err.status.details, causes: [cause] };
  return err;
}

export function invalid(subject: Subject, fieldErrors: FieldError[]): ApiError {
  return errors.invalid({ group: GROUP, kind: subject.kind }, subject.name, fieldErrors);
}

/** 409: someone else holds the address. */
export function addressHeld(subject: Subject, field: string, address: string, holder: string): ApiError {
  const message = `address ${address} is held by ${holder}`;
  return withCause(errors.conflict(subject.resource, subject.name, message), { reason: 'AddressInUse', message, field });
}

/**
 * 409: no free address of a family is left. Not 422, since the request is valid and would
 * succeed once addresses are released or a network added; not 500, since nothing is broken;
 * kube has no 507. Conflict with the VPC's state is what it is, as for an optimistic lock.
 */
export function exhausted(vpc: string, field: string, family: string, networks: string): ApiError {
  const message = `no free ${family} address is left in VPC ${vpc} (${networks})`;
  return withCause(errors.conflict(VPCS, vpc, message), { reason: 'AddressesExhausted', message, field });
}

/** 409: allocators kept racing for the same addresses; a retry will succeed. */
export function contended(vpc: string, attempts: number): ApiError {
  return errors.conflict(VPCS, vpc, `gave up after ${attempts} attempts that raced with other allocations; please try again`);
}

/** 409: the owner's addresses belong to its attachment object. */
export function heldByAttachment(vpc: string, owner: string): ApiError {
  return errors.conflict(VPCS, vpc, `the addresses of ${owner} are held by its attachment: edit or delete the VPCAttachment to release them`);
}

/** 403: the VPC is being deleted and takes no new allocations, so that its finalizer can finish. */
export function vpcTerminating(subject: Subject, vpc: string): ApiError {
  return errors.forbidden(subject.resource, subject.name, `VPC ${vpc} is being deleted: no new addresses can be allocated in it`);
}

/** 404: the owner holds nothing in the VPC (a release of nothing). */
export function notHeld(owner: string): ApiError {
  return errors.notFound({ group: GROUP, resource: 'addressallocations' }, owner);
}

/** 409: the owner's record is of an earlier VPC of the same name, whose addresses are being released. */
export function earlierVpc(subject: Subject, vpc: string, owner: string): ApiError {
  return errors.conflict(
    subject.resource,
    subject.name,
    `${owner} still holds addresses of an earlier VPC named ${vpc}, which are being released; please try again`,
  );
}
