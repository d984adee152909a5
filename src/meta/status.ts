// Errors as metav1.Status, built like apimachinery's pkg/api/errors so that codes,
// reasons, details and messages are what kubectl and client libraries expect (they
// branch on `reason` and show `message` verbatim).
import { goQuote } from './go-format.js';
import { fieldErrorBody, formatFieldErrors, type FieldError } from './field-errors.js';

// Callers that already hold this module as `errors` build field errors through it too,
// the way Go code pairs `errors.NewInvalid` with `field.Required`.
export {
  duplicate as fieldDuplicate,
  forbidden as fieldForbidden,
  invalidValue as fieldInvalid,
  notSupported as fieldNotSupported,
  required as fieldRequired,
  tooLong as fieldTooLong,
  tooMany as fieldTooMany,
  typeInvalid as fieldTypeInvalid,
} from './field-errors.js';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'Invalid'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

export interface StatusCause {
  /** The machine-readable kind of cause, e.g. `FieldValueInvalid`. */
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  /** For resource errors apimachinery puts the resource (plural) here, not the kind. */
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** The Status of a failed request: message and reason are always present. */
export interface FailureStatus extends Status {
  status: 'Failure';
  message: string;
  reason: StatusReason;
}

export interface GroupResource {
  group: string;
  resource: string;
}

export interface GroupKind {
  group: string;
  kind: string;
}

/** The reason kube-apiserver gives when an update carries a stale resourceVersion. */
export const OPTIMISTIC_LOCK_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

export class ApiError extends Error {
  constructor(readonly status: FailureStatus) {
    super(status.message);
    this.name = 'ApiError';
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/**
 * The Status to send for any thrown value. Anything that is not an ApiError is a bug
 * of ours: its text may carry internals, so the client gets a generic 500.
 */
export function toStatus(e: unknown): FailureStatus {
  if (isApiError(e)) return e.status;
  return internal(new Error('an unexpected error occurred while handling the request')).status;
}

/** The Status returned by a delete that completed immediately. */
export function successStatus(details?: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details && { details: compactDetails(details) }), code: 200 };
}

function failure(code: number, reason: StatusReason, message: string, details?: StatusDetails): ApiError {
  // Property order follows kube-apiserver's JSON, so responses read the same.
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details && { details: compactDetails(details) }),
    code,
  });
}

// apimachinery marks every detail `omitempty`: empty strings and zeroes are not sent.
function compactDetails(details: StatusDetails): StatusDetails {
  const out: StatusDetails = {};
  for (const key of ['name', 'group', 'kind', 'uid'] as const) if (details[key]) out[key] = details[key];
  if (details.causes?.length) out.causes = details.causes;
  if (details.retryAfterSeconds) out.retryAfterSeconds = details.retryAfterSeconds;
  return out;
}

/** `bgprouters.bgp.miloapis.com`, or just the resource for the core group. */
function qualifiedResource({ group, resource }: GroupResource): string {
  return group ? `${resource}.${group}` : resource;
}

function qualifiedKind({ group, kind }: GroupKind): string {
  return group ? `${kind}.${group}` : kind;
}

function resourceDetails(gr: GroupResource, name?: string): StatusDetails {
  return { name, group: gr.group, kind: gr.resource };
}

export function notFound(gr: GroupResource, name: string): ApiError {
  return failure(404, 'NotFound', `${qualifiedResource(gr)} ${goQuote(name)} not found`, resourceDetails(gr, name));
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return failure(409, 'AlreadyExists', `${qualifiedResource(gr)} ${goQuote(name)} already exists`, resourceDetails(gr, name));
}

/** `reason` completes "Operation cannot be fulfilled on ...: "; see OPTIMISTIC_LOCK_MESSAGE. */
export function conflict(gr: GroupResource, name: string, reason: string): ApiError {
  const message = `Operation cannot be fulfilled on ${qualifiedResource(gr)} ${goQuote(name)}: ${reason}`;
  return failure(409, 'Conflict', message, resourceDetails(gr, name));
}

export function invalid(gk: GroupKind, name: string, fieldErrors: readonly FieldError[]): ApiError {
  let message = `${qualifiedKind(gk)} ${goQuote(name)} is invalid`;
  if (fieldErrors.length) message += `: ${formatFieldErrors(fieldErrors)}`;
  const causes = fieldErrors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field }));
  return failure(422, 'Invalid', message, { name, group: gk.group, kind: gk.kind, causes });
}

/**
 * A request that is well-formed but cannot be applied, and is not about one object's
 * fields (e.g. a JSON patch whose `test` fails): 422 Invalid without causes.
 */
export function unprocessableEntity(message: string): ApiError {
  return failure(422, 'Invalid', message);
}

export function badRequest(message: string): ApiError {
  return failure(400, 'BadRequest', message);
}

export function unauthorized(message = ''): ApiError {
  return failure(401, 'Unauthorized', message || 'not authorized');
}

/** `reason` says why, e.g. `User "u" cannot get resource "bgprouters" in API group ...`. */
export function forbidden(gr: GroupResource, name: string, reason: string): ApiError {
  let message: string;
  if (!gr.group && !gr.resource) message = `forbidden: ${reason}`;
  else if (!name) message = `${qualifiedResource(gr)} is forbidden: ${reason}`;
  else message = `${qualifiedResource(gr)} ${goQuote(name)} is forbidden: ${reason}`;
  return failure(403, 'Forbidden', message, resourceDetails(gr, name));
}

export function methodNotSupported(gr: GroupResource, verb: string): ApiError {
  const message = `${verb} is not supported on resources of kind ${goQuote(qualifiedResource(gr))}`;
  return failure(405, 'MethodNotAllowed', message, resourceDetails(gr));
}

export function notAcceptable(message: string): ApiError {
  return failure(406, 'NotAcceptable', message);
}

/** `accepted` lists the media types the endpoint does take, as kube-apiserver reports them. */
export function unsupportedMediaType(contentType: string, accepted: readonly string[] = []): ApiError {
  let message = `the body of the request was in an unknown format (${goQuote(contentType)})`;
  if (accepted.length) message += ` - accepted media types include: ${accepted.join(', ')}`;
  return failure(415, 'UnsupportedMediaType', message);
}

/** The resource existed once but is gone for good. */
export function gone(message: string): ApiError {
  return failure(410, 'Gone', message);
}

/** The requested resourceVersion has been compacted away (watch and list "too old"). */
export function resourceExpired(message: string): ApiError {
  return failure(410, 'Expired', message);
}

export function requestEntityTooLarge(message: string): ApiError {
  return failure(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`);
}

export function tooManyRequests(message: string, retryAfterSeconds: number): ApiError {
  return failure(429, 'TooManyRequests', message, { retryAfterSeconds });
}

export function internal(err: unknown): ApiError {
  const text = err instanceof Error ? err.message : String(err);
  return failure(500, 'InternalError', `Internal error occurred: ${text}`, { causes: [{ message: text }] });
}

export function serviceUnavailable(message: string): ApiError {
  return failure(503, 'ServiceUnavailable', message);
}

/** The server could not finish in time; the client may retry after `retryAfterSeconds`. */
export function timeout(message: string, retryAfterSeconds = 0): ApiError {
  return failure(504, 'Timeout', `Timeout: ${message}`, { retryAfterSeconds });
}
