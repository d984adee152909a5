// What the validation tests need to talk about objects over HTTP: where a kind's objects
// live, and what a refusal must look like on the wire (a metav1.Status).
import { expect } from 'vitest';
import type { KubeObject } from '../../src/api/object.js';
import type { FailureStatus, StatusCause } from '../../src/meta/status.js';
import { kindNamed } from '../admission/fixtures.js';
import type { HttpResult, RunningApiServer } from '../support/apiserver.js';

/** The collection path of the object's kind in its namespace, or the object's own path (and subresource). */
export function pathOf(object: KubeObject, opts: { name?: string; subresource?: string } = {}): string {
  const kind = kindNamed(object.kind);
  const namespace = kind.scope === 'Namespaced' ? `/namespaces/${object.metadata.namespace ?? 'default'}` : '';
  return [`/apis/${kind.group}/${kind.version}${namespace}/${kind.plural}`, opts.name, opts.subresource].filter(Boolean).join('/');
}

/** The response is a metav1.Status with the given code; returns it. */
export function expectStatus(result: HttpResult, code: number): FailureStatus {
  expect(result.status, result.body.slice(0, 2000)).toBe(code);
  const status = result.json<FailureStatus>();
  expect(status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code });
  return status;
}

/** The response is the 422 Invalid of `object` (kind, group and name in its details); returns its causes. */
export function expectInvalid(result: HttpResult, object: KubeObject): StatusCause[] {
  const status = expectStatus(result, 422);
  const kind = kindNamed(object.kind);
  expect(status.reason).toBe('Invalid');
  expect(status.details).toMatchObject({ kind: kind.kind, group: kind.group, name: object.metadata.name });
  expect(status.message.startsWith(`${kind.kind}.${kind.group} "${object.metadata.name}" is invalid: `), status.message).toBe(true);
  return status.details?.causes ?? [];
}

/** Creates the object; fails the test unless the server answers 201. */
export async function create(server: RunningApiServer, object: KubeObject): Promise<KubeObject> {
  const result = await server.request('POST', pathOf(object), { body: object });
  expect(result.status, result.body.slice(0, 2000)).toBe(201);
  return result.json<KubeObject>();
}

/**
 * PUT to /status of `object` as it is, with the resourceVersion the server holds now;
 * read and tried again on a conflict, as clients do, since server-side controllers
 * (IPAM) write the status of some kinds too.
 */
export async function putStatus(server: RunningApiServer, object: KubeObject): Promise<HttpResult> {
  const path = pathOf(object, { name: object.metadata.name, subresource: 'status' });
  for (let attempt = 1; ; attempt++) {
    const current = await server.request('GET', path);
    expect(current.status, current.body).toBe(200);
    const body = { ...object, metadata: { ...object.metadata, resourceVersion: current.json<KubeObject>().metadata.resourceVersion } };
    const result = await server.request('PUT', path, { body });
    if (result.status !== 409 || attempt === 5) return result;
  }
}
