// The BGPRouter `rib` subresource between kubectl and an agent's RIB endpoint: the real
// API server command and kubectl, and the agent's real endpoint (src/agent/rib/server.ts)
// registered the way the agent registers it. Only the routing table behind the endpoint
// is given by the test (no FRR here: the end-to-end suite reads real FRR); so are the
// endpoints that misbehave, which no working agent would be.
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSchema } from '../../src/admission/schema-validation.js';
import type { JSONSchemaProps } from '../../src/api/kinds.js';
import { certificateSha256, ribAnnotations } from '../../src/agent/rib/registration.js';
import { RibServer } from '../../src/agent/rib/server.js';
import { ribObject, type Rib } from '../../src/agent/rib/types.js';
import { startApiServer, type RunningApiServer } from '../support/apiserver.js';
import { agentPki, type AgentPki, type KeyPairFiles } from './support/agent-pki.js';
import { freePort } from './support/free-port.js';
import { tableRows } from './support/kubectl-table.js';

const schemaFile = new URL('../../openapi/subresources/bgp.miloapis.com/v1alpha1/rib.yaml', import.meta.url);
const ribSchema = (parseYaml(readFileSync(schemaFile, 'utf8')) as { schema: { openAPIV3Schema: JSONSchemaProps } }).schema.openAPIV3Schema;

const TOR_ROUTE = {
  prefix: '203.0.113.0/24',
  best: true,
  valid: true,
  nextHops: ['10.0.0.1'],
  asPath: '65000',
  origin: 'igp' as const,
  localPref: 150,
  med: 20,
  communities: ['65000:1', '65000:2'],
  peer: '10.0.0.1',
};
const LOCAL_ROUTE = { prefix: '198.51.100.0/24', best: true, valid: true, nextHops: ['0.0.0.0'], asPath: '', origin: 'igp' as const, communities: [] };

let api: RunningApiServer;
let pki: AgentPki;
let agentCert: KeyPairFiles;
let agent: RibServer;
let agentPort: number;
/** Routers the agent "runs", by name; "frr-down" makes its runtime fail. */
const ribs = new Map<string, Rib>();
const extras: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  pki = await agentPki();
  agentCert = await pki.agentCertificate('node-1');
  api = await startApiServer({ backend: 'embedded', args: pki.apiserverFlags });
  agent = new RibServer({
    cert: agentCert.certPem,
    key: agentCert.keyPem,
    clientCa: pki.ca.certPem,
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
    rib: async ({ namespace, name }) => {
      if (name === 'frr-down') throw new Error('vtysh: bgpd is not running');
      return ribs.get(`${namespace}/${name}`);
    },
  });
  agentPort = await agent.start();
  ribs.set('default/node-1-underlay', ribObject('default', 'node-1-underlay', [
    { afi: 'ipv4', safi: 'unicast', routes: [TOR_ROUTE, LOCAL_ROUTE] },
    { afi: 'ipv6', safi: 'unicast', routes: [] },
  ]));
});

afterAll(async () => {
  for (const extra of extras) await extra.stop();
  await agent?.stop();
  await api?.stop();
  await pki?.cleanup();
});

/** Creates a router on node-1 whose RIB endpoint is `baseUrl`, pinned to `certPem`, as the agent registers it. */
async function router(name: string, endpoint?: { baseUrl: string; certPem: string }): Promise<void> {
  const annotations = endpoint ? ribAnnotations(endpoint.baseUrl, certificateSha256(endpoint.certPem), { namespace: 'default', name }) : {};
  const result = await api.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'bgp.miloapis.com/v1alpha1',
      kind: 'BGPRouter',
      metadata: { name, namespace: 'default', annotations },
      spec: { targetRef: { kind: 'Node', name: 'node-1' }, localASN: 65001, routerID: '10.255.255.1', addressFamilies: [{ afi: 'ipv4', safi: 'unicast' }] },
    }),
  });
  expect(result.code, result.stderr).toBe(0);
}

const ownAgent = (): { baseUrl: string; certPem: string } => ({ baseUrl: `https://127.0.0.1:${agentPort}`, certPem: agentCert.certPem });

async function getRib(name: string, args: string[] = []) {
  return api.kubectl(['get', 'bgpr', name, '--subresource', 'rib', ...args]);
}

describe('bgprouters/rib', () => {
  it('prints the live routing table as kubectl get --subresource rib asks for it', async () => {
    await router('node-1-underlay', ownAgent());
    const result = await getRib('node-1-underlay');
    expect(result.code, result.stderr).toBe(0);
    expect(tableRows(result.stdout)).toEqual([
      ['PREFIX', 'NEXT-HOP', 'AS-PATH', 'LOCPRF', 'BEST', 'FROM'],
      ['203.0.113.0/24', '10.0.0.1', '65000', '150', 'true', '10.0.0.1'],
      ['198.51.100.0/24', '0.0.0.0', '', '', 'true', ''],
    ]);
  });

  it('shows every attribute of the path with -o wide', async () => {
    const result = await getRib('node-1-underlay', ['-o', 'wide']);
    expect(result.code, result.stderr).toBe(0);
    const [header, tor] = tableRows(result.stdout);
    expect(header).toEqual(['PREFIX', 'NEXT-HOP', 'AS-PATH', 'LOCPRF', 'BEST', 'FROM', 'VALID', 'ORIGIN', 'MED', 'COMMUNITIES']);
    expect(tor).toEqual(['203.0.113.0/24', '10.0.0.1', '65000', '150', 'true', '10.0.0.1', 'true', 'igp', '20', '65000:1,65000:2']);
  });

  it('returns the RIB object its schema documents with -o json and -o yaml', async () => {
    const json = await getRib('node-1-underlay', ['-o', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const rib = JSON.parse(json.stdout);
    expect(rib).toEqual(ribs.get('default/node-1-underlay'));
    expect(validateSchema(rib, ribSchema, undefined)).toEqual([]);
    const yaml = await getRib('node-1-underlay', ['-o', 'yaml']);
    expect(parseYaml(yaml.stdout)).toEqual(rib);
  });

  it('is listed in discovery as a subresource of bgprouters answering with a RIB', async () => {
    const list = (await api.request('GET', '/apis/bgp.miloapis.com/v1alpha1')).json();
    expect(list.resources).toContainEqual(expect.objectContaining({ name: 'bgprouters/rib', kind: 'RIB', verbs: ['get'] }));
  });

  it('answers 404 for a router that does not exist', async () => {
    const result = await getRib('no-such-router');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Error from server (NotFound)');
    expect(result.stderr).toContain('"no-such-router" not found');
  });

  it('answers 503 naming the node when no agent registered an endpoint', async () => {
    await router('unregistered');
    const result = await getRib('unregistered');
    expect(result.stderr).toMatch(/Error from server \(ServiceUnavailable\): .*Node "node-1": no agent has registered a RIB endpoint/);
  });

  it('answers 503 naming the node when the agent does not listen', async () => {
    const closed = await freePort();
    await router('agent-down', { baseUrl: `https://127.0.0.1:${closed}`, certPem: agentCert.certPem });
    const result = await getRib('agent-down');
    expect(result.stderr).toMatch(/Error from server \(ServiceUnavailable\): .*Node "node-1": its agent at https:\/\/127\.0\.0\.1:\d+ could not be read: .*ECONNREFUSED/);
  });

  it('gives up on an agent that does not answer after a few seconds', async () => {
    const silent = await silentServer();
    extras.push(silent);
    await router('agent-hangs', { baseUrl: `https://127.0.0.1:${silent.port}`, certPem: agentCert.certPem });
    const started = Date.now();
    const result = await getRib('agent-hangs');
    expect(result.stderr).toMatch(/ServiceUnavailable.*Node "node-1".*no answer within 5s/);
    expect(Date.now() - started).toBeLessThan(9_000);
  });

  it('passes on the agent saying its routing runtime does not answer, as 503 naming the node', async () => {
    await router('frr-down', ownAgent());
    const result = await getRib('frr-down');
    expect(result.stderr).toMatch(/ServiceUnavailable.*Node "node-1": its agent answered 503: the routing runtime did not answer: vtysh: bgpd is not running/);
  });

  it('answers 503 when the node does not run the router its endpoint was registered for', async () => {
    await router('elsewhere', ownAgent());
    const result = await getRib('elsewhere');
    expect(result.stderr).toMatch(/ServiceUnavailable.*Node "node-1": its agent answered 404/);
  });

  describe('authenticated both ways', () => {
    it('refuses an endpoint whose certificate is not the one the router names', async () => {
      const other = await pki.agentCertificate('other');
      await router('wrong-pin', { baseUrl: `https://127.0.0.1:${agentPort}`, certPem: other.certPem });
      const result = await getRib('wrong-pin');
      expect(result.stderr).toMatch(/ServiceUnavailable.*Node "node-1".*certificate \(SHA-256 [0-9A-F:]+\) is not the one its registration names/);
    });

    it('refuses an agent whose certificate the agents’ CA did not sign, even when the router pins it', async () => {
      const strangerCert = await pki.agentCertificate('impostor', 'stranger');
      const impostor = await ribEndpoint({ cert: strangerCert, clientCa: pki.ca.certPem });
      extras.push(impostor);
      await router('impostor', { baseUrl: `https://127.0.0.1:${impostor.port}`, certPem: strangerCert.certPem });
      const result = await getRib('impostor');
      expect(result.stderr).toMatch(/ServiceUnavailable.*Node "node-1".*could not be read: .*(unable to verify|certificate)/);
    });

    it('is refused by an agent that does not trust the API server’s client certificate', async () => {
      const wary = await ribEndpoint({ cert: agentCert, clientCa: pki.stranger.certPem });
      extras.push(wary);
      await router('wary', { baseUrl: `https://127.0.0.1:${wary.port}`, certPem: agentCert.certPem });
      const result = await getRib('wary');
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/ServiceUnavailable.*Node "node-1".*could not be read/);
    });
  });
});

/** Another agent endpoint serving node-1-underlay's RIB as `wary`/`impostor`. */
async function ribEndpoint(opts: { cert: KeyPairFiles; clientCa: string }): Promise<{ port: number; stop(): Promise<void> }> {
  const server = new RibServer({
    cert: opts.cert.certPem,
    key: opts.cert.keyPem,
    clientCa: opts.clientCa,
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
    rib: async ({ namespace, name }) => ribObject(namespace, name, ribs.get('default/node-1-underlay')!.families),
  });
  return { port: await server.start(), stop: () => server.stop() };
}

/** Accepts connections and never says a word, as a hung agent would. */
async function silentServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
