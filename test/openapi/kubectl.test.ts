// The published documents as the real kubectl reads them. kubectl needs discovery to
// map `bgppeer` to a resource; the server's real discovery is written elsewhere, so a
// minimal discovery STAND-IN serves /api, /apis and /apis/<group>/<version> here, built
// from the same kind definitions. For client-side apply a STAND-IN for one object's
// GET and PATCH records what kubectl sends.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import express, { type Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupVersions, loadKinds, type KindDefinition } from '../../src/api/kinds.js';
import { openApiRouter } from '../../src/server/openapi-routes.js';
import { requireBinary } from '../support/binaries.js';

const kinds = loadKinds();
const kubectl = requireBinary('kubectl');

function discoveryStandIn(served: KindDefinition[]): Router {
  const router = express.Router();
  const gvs = groupVersions(served);
  router.get('/api', (_req, res) => void res.json({ kind: 'APIVersions', versions: [] }));
  router.get('/apis', (_req, res) => {
    res.json({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: gvs.map(({ group, version }) => {
        const gv = { groupVersion: `${group}/${version}`, version };
        return { name: group, versions: [gv], preferredVersion: gv };
      }),
    });
  });
  for (const { group, version, kinds: gvKinds } of gvs) {
    router.get(`/apis/${group}/${version}`, (_req, res) => {
      res.json({
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: `${group}/${version}`,
        resources: gvKinds.flatMap((k) => [
          {
            name: k.plural,
            singularName: k.singular,
            namespaced: k.scope === 'Namespaced',
            kind: k.kind,
            verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
            shortNames: k.shortNames,
            categories: k.categories,
          },
          { name: `${k.plural}/status`, singularName: '', namespaced: k.scope === 'Namespaced', kind: k.kind, verbs: ['get', 'patch', 'update'] },
        ]),
      });
    });
  }
  return router;
}

const routerPath = '/apis/bgp.miloapis.com/v1alpha1/namespaces/default/bgprouters/edge';
const appliedBefore = {
  apiVersion: 'bgp.miloapis.com/v1alpha1',
  kind: 'BGPRouter',
  metadata: { name: 'edge', namespace: 'default' },
  spec: { localASN: 65001 },
  status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Up', message: 'ready', lastTransitionTime: '2024-01-01T00:00:00Z' }] },
};
const liveRouter = {
  ...appliedBefore,
  metadata: {
    ...appliedBefore.metadata,
    resourceVersion: '7',
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(appliedBefore) },
  },
};

interface RecordedPatch {
  contentType: string | undefined;
  query: Record<string, unknown>;
  body: string;
}

function objectStandIn(patches: RecordedPatch[]): Router {
  const router = express.Router();
  router.get(routerPath, (_req, res) => void res.json(liveRouter));
  router.patch(routerPath, express.text({ type: '*/*' }), (req, res) => {
    patches.push({ contentType: req.headers['content-type'], query: req.query, body: req.body as string });
    res.json(liveRouter);
  });
  return router;
}

let server: Server;
let serverUrl: string;
let home: string;
const patches: RecordedPatch[] = [];

beforeAll(async () => {
  const app = express();
  app.use(openApiRouter(kinds));
  app.use(discoveryStandIn(kinds));
  app.use(objectStandIn(patches));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // kubectl keeps a discovery and OpenAPI cache under $HOME; each run starts clean.
  home = await mkdtemp(join(tmpdir(), 'openapi-kubectl-'));
  await writeFile(join(home, 'kubeconfig'), '');
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(home, { recursive: true, force: true });
});

// Asynchronous: the server answering kubectl runs in this process.
async function run(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(kubectl, ['--server', serverUrl, ...args], {
    env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: join(home, 'kubeconfig') },
    timeout: 30_000,
  });
  return stdout;
}

const unwrapped = (text: string) => text.replace(/\s+/g, ' ');

describe('kubectl against the published OpenAPI', () => {
  it('explains a field with the description from our schema', async () => {
    const out = await run('explain', 'bgppeer.spec.holdTime');
    expect(out).toMatch(/KIND:\s+BGPPeer/);
    expect(out).toMatch(/FIELD:\s+holdTime <string>/);
    expect(unwrapped(out)).toContain('HoldTime is the BGP hold timer. Must be 0 (disabled) or >= 3s. Defaults to 90s if unset.');
  });

  it('explains metadata fields from the published ObjectMeta', async () => {
    const out = await run('explain', 'bgprouter.metadata.name');
    expect(out).toMatch(/FIELD:\s+name <string>/);
    expect(unwrapped(out)).toContain('Name must be unique within a namespace.');
  });

  it('explains a whole kind recursively, metadata included', async () => {
    const out = await run('explain', 'vpc', '--recursive');
    expect(out).toMatch(/KIND:\s+VPC/);
    expect(out).toMatch(/^ {2}metadata\s+<ObjectMeta>/m);
    expect(out).toMatch(/^ {4}ownerReferences\s+<\[\]OwnerReference>/m);
    expect(out).toMatch(/^ {2}spec\s+<Object> -required-/m);
    expect(out).toMatch(/^ {4}networks\s+<\[\]string> -required-/m);
  });

  it('applies client-side with a strategic merge patch keyed by the list map keys, asking the server to validate strictly', async () => {
    const file = join(home, 'edge.json');
    const conditions = [
      { type: 'Ready', status: 'False', reason: 'Down', message: 'down', lastTransitionTime: '2024-01-02T00:00:00Z' },
      { type: 'Degraded', status: 'True', reason: 'Down', message: 'down', lastTransitionTime: '2024-01-02T00:00:00Z' },
    ];
    await writeFile(file, JSON.stringify({ ...appliedBefore, spec: { localASN: 65002 }, status: { conditions } }));
    const out = await run('apply', '-f', file, '--validate=strict');
    expect(out).toContain('bgprouter.bgp.miloapis.com/edge configured');

    expect(patches).toHaveLength(1);
    const [patch] = patches;
    expect(patch!.contentType).toBe('application/strategic-merge-patch+json');
    // kubectl sends fieldValidation only where the PATCH operation lists it.
    expect(patch!.query).toMatchObject({ fieldValidation: 'Strict', fieldManager: 'kubectl-client-side-apply' });
    const body = JSON.parse(patch!.body);
    expect(body.spec).toEqual({ localASN: 65002 });
    // Merging by `type` (not replacing the list) is what the merge key buys.
    expect(body.status['$setElementOrder/conditions']).toEqual([{ type: 'Ready' }, { type: 'Degraded' }]);
  });
});
