// `kubectl kustomize deploy` renders, and every object in it has what its kind needs and
// what the rest of the deployment relies on: names that other objects reference exist,
// ports and paths line up, the RBAC covers every served resource.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKinds, type KindDefinition } from '../../src/api/kinds.js';
import { createCa } from '../auth/certificates.js';
import { find, flags, render, type K8sObject } from './render.js';

const NAMESPACE = 'cosmos-system';
const NAMESPACED_KINDS = new Set(['ServiceAccount', 'Service', 'Deployment', 'StatefulSet', 'DaemonSet', 'ConfigMap', 'PodDisruptionBudget', 'RoleBinding', 'Role', 'Secret']);

let objects: K8sObject[];
let kinds: KindDefinition[];

const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined): boolean =>
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);
const container = (workload: K8sObject, name: string): any => {
  const found = workload.spec.template.spec.containers.find((c: any) => c.name === name);
  if (!found) throw new Error(`${workload.kind} ${workload.metadata.name} has no container ${name}`);
  return found;
};
/** The volume mounted at the directory holding `path`, in `containerSpec`. */
const volumeFor = (workload: K8sObject, containerSpec: any, path: string): any => {
  const mount = containerSpec.volumeMounts.find((m: any) => path.startsWith(`${m.mountPath}/`));
  if (!mount) throw new Error(`nothing is mounted where ${path} is`);
  return workload.spec.template.spec.volumes.find((v: any) => v.name === mount.name);
};

beforeAll(async () => {
  objects = await render();
  kinds = loadKinds();
});

it('every object is complete and in its namespace', () => {
  expect(objects.length).toBeGreaterThan(10);
  for (const o of objects) {
    expect(o.apiVersion, `${o.kind} ${o.metadata?.name}`).toBeTruthy();
    expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$/);
    if (NAMESPACED_KINDS.has(o.kind)) expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBeTruthy();
    else expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBeUndefined();
  }
  find(objects, 'Namespace', NAMESPACE);
  const namespaces = new Set(objects.map((o) => o.metadata.namespace).filter(Boolean));
  expect([...namespaces].sort()).toEqual([NAMESPACE, 'kube-system']);
});

describe('the API server', () => {
  it('runs two replicas with probes on /livez and /readyz over HTTPS on its secure port', () => {
    const deployment = find(objects, 'Deployment', 'cosmos-apiserver', NAMESPACE);
    expect(deployment.spec.replicas).toBe(2);
    expect(matches(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    const apiserver = container(deployment, 'apiserver');
    expect(apiserver.image).toBe('ghcr.io/cosmos/cosmos-apiserver:0.1.0');
    const args = flags(apiserver.args);
    const port = apiserver.ports.find((p: any) => p.containerPort === Number(args.get('secure-port')));
    expect(port, '--secure-port is a container port').toBeDefined();
    for (const [probe, path] of [['livenessProbe', '/livez'], ['readinessProbe', '/readyz']] as const) {
      expect(apiserver[probe].httpGet).toEqual({ path, port: port.name, scheme: 'HTTPS' });
    }
    expect(args.get('bind-address')).toBe('0.0.0.0');
    expect(args.get('etcd-prefix')).toBeTruthy();
    find(objects, 'ServiceAccount', deployment.spec.template.spec.serviceAccountName, NAMESPACE);
  });

  it('reads its serving, etcd client and agent (rib) client certificates from mounted Secrets', () => {
    const deployment = find(objects, 'Deployment', 'cosmos-apiserver', NAMESPACE);
    const apiserver = container(deployment, 'apiserver');
    const args = flags(apiserver.args);
    const flagsWithFiles = ['tls-cert-file', 'tls-private-key-file', 'etcd-cafile', 'etcd-certfile', 'etcd-keyfile'];
    for (const flag of [...flagsWithFiles, 'agent-client-cert-file', 'agent-client-key-file', 'agent-ca-file']) {
      const path = args.get(flag);
      expect(path, `--${flag}`).toBeTruthy();
      expect(volumeFor(deployment, apiserver, path!).secret?.secretName, `--${flag}`).toBeTruthy();
    }
    expect(volumeFor(deployment, apiserver, args.get('agent-client-cert-file')!).secret.secretName).toBe('cosmos-apiserver-rib-client');
  });

  it('talks TLS to the etcd member the StatefulSet and its headless Service name', () => {
    const apiserver = container(find(objects, 'Deployment', 'cosmos-apiserver', NAMESPACE), 'apiserver');
    const etcd = find(objects, 'StatefulSet', 'cosmos-etcd', NAMESPACE);
    const service = find(objects, 'Service', etcd.spec.serviceName, NAMESPACE);
    expect(service.spec.clusterIP).toBe('None');
    const client = service.spec.ports.find((p: any) => p.name === 'client');
    expect(flags(apiserver.args).get('etcd-servers')).toBe(`https://${etcd.metadata.name}-0.${service.metadata.name}.${NAMESPACE}.svc:${client.port}`);
  });

  it('is reachable through a Service on 443 and kept available by a PodDisruptionBudget', () => {
    const deployment = find(objects, 'Deployment', 'cosmos-apiserver', NAMESPACE);
    const podLabels = deployment.spec.template.metadata.labels;
    const service = find(objects, 'Service', 'cosmos-apiserver', NAMESPACE);
    expect(matches(service.spec.selector, podLabels)).toBe(true);
    const https = service.spec.ports.find((p: any) => p.port === 443);
    expect(container(deployment, 'apiserver').ports.map((p: any) => p.name)).toContain(https.targetPort);
    const pdb = find(objects, 'PodDisruptionBudget', 'cosmos-apiserver', NAMESPACE);
    expect(matches(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
  });
});

describe('etcd', () => {
  it('is a StatefulSet with a persistent volume for its data and client-certificate TLS', () => {
    const etcd = find(objects, 'StatefulSet', 'cosmos-etcd', NAMESPACE);
    const [claim] = etcd.spec.volumeClaimTemplates;
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(claim.spec.resources.requests.storage).toMatch(/^\d+Gi$/);
    const member = container(etcd, 'etcd');
    const args = flags(member.args);
    expect(args.get('data-dir')!.startsWith(member.volumeMounts.find((m: any) => m.name === claim.metadata.name).mountPath)).toBe(true);
    expect(args.get('listen-client-urls')).toMatch(/^https:\/\//);
    expect(args.get('advertise-client-urls')).toMatch(/^https:\/\//);
    expect(args.get('client-cert-auth')).toBe('true');
    for (const flag of ['trusted-ca-file', 'cert-file', 'key-file']) expect(volumeFor(etcd, member, args.get(flag)!).secret.secretName).toBe('cosmos-etcd-server');
    expect(member.livenessProbe.httpGet.path).toMatch(/^\/health/);
  });
});

describe('the agent', () => {
  it('runs on every node in the host network, with NET_ADMIN and NET_RAW, knowing its node', () => {
    const agent = find(objects, 'DaemonSet', 'cosmos-agent', NAMESPACE);
    const pod = agent.spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(pod.tolerations).toContainEqual({ operator: 'Exists' });
    const main = container(agent, 'agent');
    expect(main.securityContext.capabilities.add).toEqual(expect.arrayContaining(['NET_ADMIN', 'NET_RAW']));
    const nodeName = main.env.find((e: any) => e.valueFrom?.fieldRef?.fieldPath === 'spec.nodeName');
    expect(nodeName).toBeDefined();
    expect(flags(main.args).get('node-name')).toBe(`$(${nodeName.name})`);
    find(objects, 'ServiceAccount', pod.serviceAccountName, NAMESPACE);
  });

  it('reaches the cluster with its service account through the kubeconfig it is given', async () => {
    const agent = find(objects, 'DaemonSet', 'cosmos-agent', NAMESPACE);
    const main = container(agent, 'agent');
    const path = flags(main.args).get('kubeconfig')!;
    const volume = volumeFor(agent, main, path);
    const mount = main.volumeMounts.find((m: any) => m.name === volume.name);
    const text: string = find(objects, 'ConfigMap', volume.configMap.name, NAMESPACE).data[path.slice(mount.mountPath.length + 1)];
    // Loaded by client-node as the agent loads it, with the service account files of a pod.
    const dir = await mkdtemp(join(tmpdir(), 'cosmos-agent-sa-'));
    try {
      const serviceAccount = '/var/run/secrets/kubernetes.io/serviceaccount';
      await writeFile(join(dir, 'token'), 'projected-token');
      await writeFile(join(dir, 'ca.crt'), (await createCa('cluster-ca')).certPem);
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(text.replaceAll(serviceAccount, dir));
      expect(kubeConfig.getCurrentCluster()?.server).toBe('https://kubernetes.default.svc');
      const options: { headers: Record<string, string>; ca?: unknown } = { headers: {} };
      await kubeConfig.applyToHTTPSOptions(options);
      expect(options.headers.Authorization).toBe('Bearer projected-token');
      expect(options.ca).toBeTruthy();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serves its RIB over TLS with certificates from a Secret, advertised on the node IP', () => {
    const agent = find(objects, 'DaemonSet', 'cosmos-agent', NAMESPACE);
    const main = container(agent, 'agent');
    const args = flags(main.args);
    for (const flag of ['tls-cert-file', 'tls-private-key-file', 'client-ca-file']) expect(volumeFor(agent, main, args.get(flag)!).secret.secretName, flag).toBeTruthy();
    const nodeIp = main.env.find((e: any) => e.valueFrom?.fieldRef?.fieldPath === 'status.hostIP');
    const port = new URL(args.get('rib-advertise-url')!.replace(`$(${nodeIp.name})`, '192.0.2.1')).port;
    expect(args.get('listen')).toBe(`0.0.0.0:${port}`);
    expect(main.ports.map((p: any) => p.containerPort)).toContain(Number(port));
  });

  it('has FRR as a sidecar sharing its vty socket directory with the agent', () => {
    const agent = find(objects, 'DaemonSet', 'cosmos-agent', NAMESPACE);
    const frr = container(agent, 'frr');
    expect(frr.image).toMatch(/^quay\.io\/frrouting\/frr:/);
    expect(frr.securityContext.capabilities.add).toEqual(expect.arrayContaining(['NET_ADMIN', 'NET_RAW']));
    const socketMount = frr.volumeMounts.find((m: any) => m.mountPath === '/var/run/frr');
    expect(agent.spec.template.spec.volumes.find((v: any) => v.name === socketMount.name).emptyDir).toEqual({});
    expect(container(agent, 'agent').volumeMounts).toContainEqual({ name: socketMount.name, mountPath: '/var/run/frr' });
    const config = find(objects, 'ConfigMap', 'cosmos-frr', NAMESPACE);
    expect(config.data.daemons).toMatch(/^bgpd=yes$/m);
  });
});

describe('RBAC', () => {
  const binds = (binding: K8sObject, kind: string, roleName: string, serviceAccount: string): boolean =>
    binding.roleRef.kind === kind &&
    binding.roleRef.name === roleName &&
    binding.subjects.some((s: any) => s.kind === 'ServiceAccount' && s.name === serviceAccount && s.namespace === NAMESPACE);

  it('lets the API server delegate: system:auth-delegator and the authentication ConfigMap reader in kube-system', () => {
    expect(objects.filter((o) => o.kind === 'ClusterRoleBinding').some((b) => binds(b, 'ClusterRole', 'system:auth-delegator', 'cosmos-apiserver'))).toBe(true);
    const reader = objects.filter((o) => o.kind === 'RoleBinding').find((b) => binds(b, 'Role', 'extension-apiserver-authentication-reader', 'cosmos-apiserver'));
    expect(reader?.metadata.namespace).toBe('kube-system');
  });

  it('folds cosmos-view/edit/admin into view/edit/admin, covering every served resource', () => {
    const role = (name: string, aggregateTo: string[]): K8sObject => {
      const found = find(objects, 'ClusterRole', name);
      for (const target of aggregateTo) expect(found.metadata.labels?.[`rbac.authorization.k8s.io/aggregate-to-${target}`], `${name} → ${target}`).toBe('true');
      return found;
    };
    const allows = (r: K8sObject, group: string, resource: string, verb: string): boolean =>
      r.rules.some((rule: any) => rule.apiGroups.includes(group) && rule.resources.includes(resource) && rule.verbs.includes(verb));
    const view = role('cosmos-view', ['view']);
    const edit = role('cosmos-edit', ['edit', 'admin']);
    const admin = role('cosmos-admin', ['admin']);
    for (const kind of kinds) {
      for (const verb of ['get', 'list', 'watch']) expect(allows(view, kind.group, kind.plural, verb), `view ${verb} ${kind.plural}`).toBe(true);
      for (const verb of ['create', 'update', 'patch', 'delete', 'deletecollection']) {
        expect(allows(edit, kind.group, kind.plural, verb), `edit ${verb} ${kind.plural}`).toBe(true);
        expect(allows(view, kind.group, kind.plural, verb), `view must not ${verb}`).toBe(false);
      }
      if (kind.hasStatus) {
        expect(allows(view, kind.group, `${kind.plural}/status`, 'get')).toBe(true);
        expect(allows(edit, kind.group, `${kind.plural}/status`, 'patch'), 'status is not for editors').toBe(false);
        expect(allows(admin, kind.group, `${kind.plural}/status`, 'patch')).toBe(true);
      }
    }
  });

  it('gives the agent list/watch of the BGP kinds, status patches and Secret reads, bound to its ServiceAccount', () => {
    const agent = find(objects, 'ClusterRole', 'cosmos-agent');
    const allows = (group: string, resource: string, verb: string): boolean =>
      agent.rules.some((rule: any) => rule.apiGroups.includes(group) && rule.resources.includes(resource) && rule.verbs.includes(verb));
    for (const kind of kinds.filter((k) => k.group === 'bgp.miloapis.com')) {
      expect(allows(kind.group, kind.plural, 'list') && allows(kind.group, kind.plural, 'watch'), kind.plural).toBe(true);
      expect(allows(kind.group, `${kind.plural}/status`, 'patch'), `${kind.plural}/status`).toBe(true);
      expect(allows(kind.group, kind.plural, 'update'), 'the agent never replaces objects').toBe(false);
    }
    // RIB endpoint registration annotates routers.
    expect(allows('bgp.miloapis.com', 'bgprouters', 'patch')).toBe(true);
    // Session passwords come from a watched cache of Secrets.
    for (const verb of ['get', 'list', 'watch']) expect(allows('', 'secrets', verb), `secrets ${verb}`).toBe(true);
    expect(allows('', 'secrets', 'update'), 'never writes Secrets').toBe(false);
    expect(objects.filter((o) => o.kind === 'ClusterRoleBinding').some((b) => binds(b, 'ClusterRole', 'cosmos-agent', 'cosmos-agent'))).toBe(true);
  });
});

describe('APIServices', () => {
  it('register each served group/version with the API server Service and a caBundle, never skipping TLS verification', () => {
    const groupVersions = [...new Set(kinds.map((k) => `${k.version}.${k.group}`))];
    expect(groupVersions.sort()).toEqual(['v1alpha1.bgp.miloapis.com', 'v1alpha1.vpc.miloapis.com']);
    for (const name of groupVersions) {
      const apiService = find(objects, 'APIService', name);
      expect(apiService.apiVersion).toBe('apiregistration.k8s.io/v1');
      expect(`${apiService.spec.version}.${apiService.spec.group}`).toBe(name);
      const service = find(objects, 'Service', apiService.spec.service.name, apiService.spec.service.namespace);
      expect(service.spec.ports.map((p: any) => p.port)).toContain(apiService.spec.service.port);
      expect(apiService.spec).toHaveProperty('caBundle');
      expect(apiService.spec.insecureSkipTLSVerify).toBeUndefined();
      expect(apiService.spec.groupPriorityMinimum).toBeGreaterThan(0);
      expect(apiService.spec.versionPriority).toBeGreaterThan(0);
    }
  });
});
