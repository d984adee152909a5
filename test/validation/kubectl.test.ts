// Validation as a kubectl user meets it, against the real server: `explain` reads the
// published OpenAPI, `apply --validate=strict` has the server refuse a typo'd field,
// an invalid object's error names each field and its message, and client-side apply
// sends a strategic merge patch built from the published merge keys.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import type { KubeObject } from '../../src/api/object.js';
import { fabricExportPolicy, fabricPeerWithTimers, kindNamed, underlayRouter } from '../admission/fixtures.js';
import { startApiServer, type KubectlResult, type RunningApiServer } from '../support/apiserver.js';

let server: RunningApiServer;
let dir: string;

beforeAll(async () => {
  server = await startApiServer({ backend: 'embedded' });
  dir = await mkdtemp(join(tmpdir(), 'validation-kubectl-'));
});

afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

async function kubectl(...args: string[]): Promise<KubectlResult> {
  return server.kubectl(args);
}

async function succeeds(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  expect(r.code, `kubectl ${args.join(' ')}:\n${r.stderr}`).toBe(0);
  return r.stdout;
}

let files = 0;

/** Writes the objects as a YAML manifest file, the way users hand them to kubectl. */
async function manifest(...objects: KubeObject[]): Promise<string> {
  const file = join(dir, `manifest-${++files}.yaml`);
  await writeFile(file, objects.map((o) => toYaml(o)).join('---\n'));
  return file;
}

function renamed(object: KubeObject, name: string, spec: Record<string, unknown> = {}): KubeObject {
  return { ...structuredClone(object), metadata: { ...object.metadata, name }, spec: { ...(object.spec as object), ...spec } };
}

describe('kubectl explain', () => {
  it('prints the description of bgppeer.spec.holdTime from the published schema', async () => {
    const out = await succeeds('explain', 'bgppeer.spec.holdTime');
    const description = kindNamed('BGPPeer').schema.properties!.spec!.properties!.holdTime!.description!;
    expect(description).toContain('hold timer');
    expect(out).toMatch(/FIELD:\s+holdTime <string>/);
    expect(oneLine(out)).toContain(oneLine(description));
  });

  it('walks a whole kind with --recursive: every field of spec and status, and ObjectMeta', async () => {
    const out = await succeeds('explain', 'vpc', '--recursive');
    expect(out).toMatch(/KIND:\s+VPC/);
    expect(out).toMatch(/^ {2}spec\s+<Object> -required-$/m);
    expect(out).toMatch(/^ {4}ownerReferences\s+<\[\]OwnerReference>$/m);
    const schema = kindNamed('VPC').schema.properties!;
    for (const part of ['spec', 'status']) {
      for (const field of Object.keys(schema[part]!.properties!)) expect(out, `${part}.${field}`).toMatch(new RegExp(`^ {4}${field}\\s+<`, 'm'));
    }
  });
});

describe('kubectl apply', () => {
  const typo = () => ({ ...renamed(fabricPeerWithTimers, 'typo'), spec: { ...(fabricPeerWithTimers.spec as object), peerASNN: 65001 } });

  it('--validate=strict: the server refuses a typo\'d field, naming it, and stores nothing', async () => {
    const r = await kubectl('apply', '--validate=strict', '-f', await manifest(typo()));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error from server (BadRequest)');
    expect(r.stderr).toContain('strict decoding error: unknown field "spec.peerASNN"');
    const get = await kubectl('get', 'bgppeer', 'typo', '-n', 'default');
    expect(get.stderr).toContain('NotFound');
  });

  it('--validate=warn: the same manifest is stored without the field, with a warning naming it', async () => {
    const r = await kubectl('apply', '--validate=warn', '-f', await manifest(typo()));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Warning: unknown field "spec.peerASNN"');
    const stored = JSON.parse(await succeeds('get', 'bgppeer', 'typo', '-n', 'default', '-o', 'json')) as KubeObject;
    expect(stored.spec).toEqual(fabricPeerWithTimers.spec);
  });

  it('an invalid object: the error names the field and says what is wrong', async () => {
    const r = await kubectl('apply', '-f', await manifest(renamed(fabricPeerWithTimers, 'bad-address', { address: '2001:db8:fabric::1' })));
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('The BGPPeer "bad-address" is invalid: spec.address: Invalid value: "string": address must be a valid IPv4 or IPv6 address');
  });

  it('an object with several errors: each one is listed with its field', async () => {
    const router = renamed(underlayRouter, 'bad-router', { localASN: 0, roles: ['spine'], addressFamilies: [{ afi: 'ipv4', safi: 'unicast' }] });
    const r = await kubectl('apply', '-f', await manifest(router));
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]!.trim()).toBe('The BGPRouter "bad-router" is invalid:');
    expect(lines.slice(1)).toEqual(
      expect.arrayContaining([
        '* spec.localASN: Invalid value: 0: spec.localASN in body should be greater than or equal to 1',
        '* spec.roles[0]: Unsupported value: "spine": supported values: "fabric", "tenant", "transit"',
      ]),
    );
  });

  it('client-side: a changed manifest is sent as a strategic merge patch keyed by the merge key, and applied', async () => {
    const policy = renamed(fabricExportPolicy, 'csa-export');
    expect(await succeeds('apply', '-f', await manifest(policy))).toContain('bgppolicy.bgp.miloapis.com/csa-export created');

    const changed = structuredClone(policy);
    const terms = (changed.spec as { terms: { sequence: number; set?: unknown }[] }).terms;
    terms[0]!.set = { communities: { add: ['65000:1', '65000:2'] } };
    const r = await kubectl('apply', '-f', await manifest(changed), '-v=8');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('bgppolicy.bgp.miloapis.com/csa-export configured');

    // -v=8 logs the request line, then its headers: the PATCH's Content-Type follows it.
    const log = r.stderr.split('\n');
    const patchLine = log.findIndex((l) => /\bPATCH https:\/\/\S+\/bgppolicies\/csa-export\?/.test(l));
    expect(patchLine, r.stderr).toBeGreaterThanOrEqual(0);
    expect(log.slice(patchLine + 1, patchLine + 6).join('\n')).toMatch(/Content-Type: application\/strategic-merge-patch\+json/);
    expect(log[patchLine]).toContain('fieldValidation=Strict');
    // The patch orders the terms by their merge key and carries only what changed.
    const requestBody = log.slice(0, patchLine).reverse().find((l) => l.includes('"Request Body"'))!;
    const body = JSON.parse(JSON.parse(requestBody.slice(requestBody.indexOf('body=') + 'body='.length))) as { spec: Record<string, unknown> };
    expect(body.spec['$setElementOrder/terms']).toEqual([{ sequence: 10 }, { sequence: 20 }]);
    expect(body.spec.terms).toEqual([{ sequence: 10, set: { communities: { add: ['65000:1', '65000:2'] } } }]);

    const stored = JSON.parse(await succeeds('get', 'bgppolicy', 'csa-export', '-n', 'default', '-o', 'json')) as KubeObject;
    expect(stored.spec).toEqual(changed.spec);
  });
});
