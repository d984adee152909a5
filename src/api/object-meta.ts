// Kubernetes ObjectMeta (meta.k8s.io/v1) as it appears on the wire. The kind schemas
// leave metadata as a bare `type: object`, so the generated types refer to this instead.

/** An RFC 3339 timestamp, as Kubernetes serialises metav1.Time. */
export type Timestamp = string;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  /** True if this reference points to the managing controller. */
  controller?: boolean;
  /** True if the owner cannot be deleted from storage before this object is removed. */
  blockOwnerDeletion?: boolean;
}

/** One field manager's record of the fields it owns (server-side apply). */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: Timestamp;
  fieldsType?: 'FieldsV1';
  fieldsV1?: Record<string, unknown>;
  /** The subresource (such as `status`) used to update the object; empty for the main resource. */
  subresource?: string;
}

export interface ObjectMeta {
  name?: string;
  /** Prefix the server appends a random suffix to when `name` is not given. */
  generateName?: string;
  namespace?: string;
  uid?: string;
  /** Opaque version for optimistic concurrency and watch; set by the server. */
  resourceVersion?: string;
  /** Incremented by the server on every change of the desired state (`spec`). */
  generation?: number;
  creationTimestamp?: Timestamp;
  /** Set by the server when deletion was requested and finalizers are still pending. */
  deletionTimestamp?: Timestamp;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
}
