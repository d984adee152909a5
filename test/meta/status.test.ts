import { describe, expect, it } from 'vitest';
import { invalidValue, notSupported, required } from '../../src/meta/field-errors.js';
import * as errors from '../../src/meta/status.js';

const routers = { group: 'bgp.miloapis.com', resource: 'bgprouters' };
const routerKind = { group: 'bgp.miloapis.com', kind: 'BGPRouter' };

describe('ApiError constructors', () => {
  it('notFound is 404 with the resource as details.kind, as apimachinery does', () => {
    const err = errors.notFound(routers, 'x');
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('bgprouters.bgp.miloapis.com "x" not found');
    expect(err.status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'bgprouters.bgp.miloapis.com "x" not found',
      reason: 'NotFound',
      details: { name: 'x', group: 'bgp.miloapis.com', kind: 'bgprouters' },
      code: 404,
    });
  });

  it('serializes with kube-apiserver key order', () => {
    expect(Object.keys(errors.notFound(routers, 'x').status)).toEqual(['kind', 'apiVersion', 'metadata', 'status', 'message', 'reason', 'details', 'code']);
    expect(Object.keys(errors.badRequest('b').status)).toEqual(['kind', 'apiVersion', 'metadata', 'status', 'message', 'reason', 'code']);
  });

  it('omits an empty group (core resources)', () => {
    const err = errors.notFound({ group: '', resource: 'namespaces' }, 'ns');
    expect(err.message).toBe('namespaces "ns" not found');
    expect(err.status.details).toEqual({ name: 'ns', kind: 'namespaces' });
  });

  it('alreadyExists and conflict are 409 with distinct reasons', () => {
    const exists = errors.alreadyExists(routers, 'x');
    expect([exists.status.code, exists.status.reason, exists.message]).toEqual([409, 'AlreadyExists', 'bgprouters.bgp.miloapis.com "x" already exists']);
    const conflict = errors.conflict(routers, 'x', errors.OPTIMISTIC_LOCK_MESSAGE);
    expect([conflict.status.code, conflict.status.reason]).toEqual([409, 'Conflict']);
    expect(conflict.message).toBe(
      'Operation cannot be fulfilled on bgprouters.bgp.miloapis.com "x": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('invalid is 422 with one cause per field error', () => {
    const err = errors.invalid(routerKind, 'x', [invalidValue('spec.localASN', 0, 'must be greater than or equal to 1')]);
    expect(err.status.code).toBe(422);
    expect(err.status.reason).toBe('Invalid');
    expect(err.message).toBe('BGPRouter.bgp.miloapis.com "x" is invalid: spec.localASN: Invalid value: 0: must be greater than or equal to 1');
    expect(err.status.details).toEqual({
      name: 'x',
      group: 'bgp.miloapis.com',
      kind: 'BGPRouter',
      causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: 0: must be greater than or equal to 1', field: 'spec.localASN' }],
    });
  });

  it('invalid joins several field errors as a list', () => {
    const err = errors.invalid(routerKind, 'x', [required('spec.routerID'), notSupported('spec.addressFamilies[0].afi', 'ipx', ['ipv4', 'ipv6'])]);
    expect(err.message).toBe(
      'BGPRouter.bgp.miloapis.com "x" is invalid: [spec.routerID: Required value, spec.addressFamilies[0].afi: Unsupported value: "ipx": supported values: "ipv4", "ipv6"]',
    );
    expect(err.status.details?.causes?.map((c) => c.reason)).toEqual(['FieldValueRequired', 'FieldValueNotSupported']);
    expect(errors.invalid(routerKind, 'x', []).message).toBe('BGPRouter.bgp.miloapis.com "x" is invalid');
  });

  it('offers field error constructors under field* names', () => {
    expect(errors.fieldRequired('metadata.name', 'name or generateName is required')).toEqual(required('metadata.name', 'name or generateName is required'));
    expect(errors.fieldForbidden('a', 'b').type).toBe('FieldValueForbidden');
  });

  it('forbidden follows kube message forms with and without a name', () => {
    const reason = 'User "u" cannot get resource "bgprouters" in API group "bgp.miloapis.com" in the namespace "default"';
    const named = errors.forbidden(routers, 'x', reason);
    expect([named.status.code, named.status.reason]).toEqual([403, 'Forbidden']);
    expect(named.message).toBe(`bgprouters.bgp.miloapis.com "x" is forbidden: ${reason}`);
    expect(errors.forbidden(routers, '', 'r').message).toBe('bgprouters.bgp.miloapis.com is forbidden: r');
    expect(errors.forbidden({ group: '', resource: '' }, '', 'r').message).toBe('forbidden: r');
  });

  it('the simple ones carry code, reason and message', () => {
    const cases: [errors.ApiError, number, string, string][] = [
      [errors.badRequest('bad'), 400, 'BadRequest', 'bad'],
      [errors.unauthorized(), 401, 'Unauthorized', 'not authorized'],
      [errors.unauthorized('no token'), 401, 'Unauthorized', 'no token'],
      [errors.methodNotSupported(routers, 'watch'), 405, 'MethodNotAllowed', 'watch is not supported on resources of kind "bgprouters.bgp.miloapis.com"'],
      [errors.notAcceptable('only json'), 406, 'NotAcceptable', 'only json'],
      [errors.gone('gone'), 410, 'Gone', 'gone'],
      [errors.resourceExpired('too old resource version: 1 (5)'), 410, 'Expired', 'too old resource version: 1 (5)'],
      [errors.requestEntityTooLarge('limit is 3145728'), 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'],
      [errors.tooManyRequests('slow down', 5), 429, 'TooManyRequests', 'slow down'],
      [errors.unprocessableEntity('cannot apply'), 422, 'Invalid', 'cannot apply'],
      [errors.internal(new Error('boom')), 500, 'InternalError', 'Internal error occurred: boom'],
      [errors.serviceUnavailable('storage down'), 503, 'ServiceUnavailable', 'storage down'],
      [errors.timeout('too slow', 2), 504, 'Timeout', 'Timeout: too slow'],
    ];
    for (const [err, code, reason, message] of cases) {
      expect([err.status.code, err.status.reason, err.message]).toEqual([code, reason, message]);
    }
  });

  it('unsupportedMediaType names the content type and what is accepted', () => {
    const err = errors.unsupportedMediaType('text/plain', ['application/json', 'application/yaml']);
    expect([err.status.code, err.status.reason]).toEqual([415, 'UnsupportedMediaType']);
    expect(err.message).toBe(
      'the body of the request was in an unknown format ("text/plain") - accepted media types include: application/json, application/yaml',
    );
  });

  it('carries retryAfterSeconds where kube does', () => {
    expect(errors.tooManyRequests('m', 5).status.details).toEqual({ retryAfterSeconds: 5 });
    expect(errors.timeout('m', 1).status.details).toEqual({ retryAfterSeconds: 1 });
    expect(errors.internal('x').status.details).toEqual({ causes: [{ message: 'x' }] });
  });
});

describe('toStatus and isApiError', () => {
  it('passes ApiErrors through', () => {
    const err = errors.notFound(routers, 'x');
    expect(errors.isApiError(err)).toBe(true);
    expect(errors.toStatus(err)).toBe(err.status);
  });

  it('turns anything else into a generic 500 that does not leak internals', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'spec')");
    expect(errors.isApiError(bug)).toBe(false);
    const status = errors.toStatus(bug);
    expect([status.code, status.reason, status.status]).toEqual([500, 'InternalError', 'Failure']);
    expect(JSON.stringify(status)).not.toContain('spec');
    expect(JSON.stringify(status)).not.toContain('at ');
    expect(errors.toStatus('a string').code).toBe(500);
  });
});

describe('successStatus', () => {
  it('is the Status of a completed delete', () => {
    expect(errors.successStatus()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 });
    expect(errors.successStatus({ name: 'x', group: 'bgp.miloapis.com', kind: 'bgprouters', uid: 'u-1' }).details).toEqual({
      name: 'x',
      group: 'bgp.miloapis.com',
      kind: 'bgprouters',
      uid: 'u-1',
    });
  });
});
