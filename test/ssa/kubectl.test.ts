// Server-side apply as a user drives it: the real kubectl's `apply --server-side`,
// `--force-conflicts`, `diff --server-side`, `--dry-run=server`, the move from client-side
// apply, and `get --show-managed-fields`.
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type KubectlResult, type RunningApiServer } from '../support/apiserver.js';
import { manifest, router } from '../server/objects.js';

let server: RunningApiServer;

beforeAll(async () => {
  server = await startApiServer({ backend: 'embedded' });
});
afterAll(async () => {
  await server?.stop();
});

async function kubectl(args: string[], input?: string): Promise<string> {
  const r = await server.kubectl(args, { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}\nserver:\n${server.output()}`);
  return r.stdout;
}

async function getWithManagedFields(namespace: string, name: string): Promise<any> {
  return JSON.parse(await kubectl(['get', 'bgprouter', name, '-n', namespace, '-o', 'json', '--show-managed-fields']));
}

const managers = (obj: any): string[] => obj.metadata.managedFields.map((e: any) => `${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`).sort();

describe('kubectl with server-side apply', () => {
  it('applies, is unchanged when nothing changed, and shows the managed fields', async () => {
    const ns = 'ssa-basic';
    const doc = manifest(router('r', { namespace: ns }));
    expect(await kubectl(['apply', '--server-side', '-f', '-'], doc)).toContain('bgprouter.bgp.miloapis.com/r serverside-applied');
    const first = await getWithManagedFields(ns, 'r');
    expect(managers(first)).toEqual(['kubectl/Apply']);
    expect(first.metadata.managedFields[0]).toMatchObject({ apiVersion: 'bgp.miloapis.com/v1alpha1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:localASN': {} } } });

    await kubectl(['apply', '--server-side', '-f', '-'], doc);
    expect((await getWithManagedFields(ns, 'r')).metadata.resourceVersion).toBe(first.metadata.resourceVersion);

    // Hidden unless asked for, as kubectl does against kube-apiserver.
    const plain = parseYaml(await kubectl(['get', 'bgprouter', 'r', '-n', ns, '-o', 'yaml']));
    expect(plain.metadata.managedFields).toBeUndefined();
    const shown = parseYaml(await kubectl(['get', 'bgprouter', 'r', '-n', ns, '-o', 'yaml', '--show-managed-fields']));
    expect(shown.metadata.managedFields).toEqual(first.metadata.managedFields);
  });

  it('reports a conflict with another field manager, and takes the field with --force-conflicts', async () => {
    const ns = 'ssa-conflict';
    await kubectl(['apply', '--server-side', '-f', '-'], manifest(router('r', { namespace: ns })));
    const other = manifest(router('r', { namespace: ns, asn: 65200 }));
    const refused: KubectlResult = await server.kubectl(['apply', '--server-side', '--field-manager=gitops', '-f', '-'], { input: other });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .spec.localASN');
    expect(refused.stderr).toContain('--force-conflicts');

    expect(await kubectl(['apply', '--server-side', '--field-manager=gitops', '--force-conflicts', '-f', '-'], other)).toContain('serverside-applied');
    const taken = await getWithManagedFields(ns, 'r');
    expect(taken.spec.localASN).toBe(65200);
    const gitops = taken.metadata.managedFields.find((e: any) => e.manager === 'gitops');
    expect(gitops.fieldsV1['f:spec']['f:localASN']).toEqual({});
    const kubectlEntry = taken.metadata.managedFields.find((e: any) => e.manager === 'kubectl');
    expect(kubectlEntry.fieldsV1['f:spec']['f:localASN']).toBeUndefined();
  });

  it('diffs and dry-runs on the server without changing anything', async () => {
    const ns = 'ssa-dry';
    await kubectl(['apply', '--server-side', '-f', '-'], manifest(router('r', { namespace: ns })));
    const before = await getWithManagedFields(ns, 'r');
    const changed = manifest(router('r', { namespace: ns, asn: 65300 }));

    const diff = await server.kubectl(['diff', '--server-side', '-f', '-'], { input: changed });
    // kubectl diff exits 1 when there are differences.
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toMatch(/^-\s+localASN: 65001$/m);
    expect(diff.stdout).toMatch(/^\+\s+localASN: 65300$/m);
    const none = await server.kubectl(['diff', '--server-side', '-f', '-'], { input: manifest(router('r', { namespace: ns })) });
    expect(none.code, none.stdout + none.stderr).toBe(0);

    expect(await kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], changed)).toContain('serverside-applied (server dry run)');
    const after = await getWithManagedFields(ns, 'r');
    expect(after).toEqual(before);
  });

  it('moves an object from client-side apply to server-side apply without conflicts', async () => {
    const ns = 'ssa-upgrade';
    expect(await kubectl(['apply', '-f', '-'], manifest(router('r', { namespace: ns })))).toContain('created');
    const csa = await getWithManagedFields(ns, 'r');
    expect(managers(csa)).toEqual(['kubectl-client-side-apply/Update']);
    expect(csa.metadata.annotations).toHaveProperty(['kubectl.kubernetes.io/last-applied-configuration']);

    // The same manifest with a change, now applied server-side: no conflict with the
    // fields client-side apply set.
    const changed = manifest(router('r', { namespace: ns, asn: 65400 }));
    expect(await kubectl(['apply', '--server-side', '-f', '-'], changed)).toContain('serverside-applied');
    const ssa = await getWithManagedFields(ns, 'r');
    expect(ssa.spec.localASN).toBe(65400);
    // kubectl folds the client-side apply entry into its own, and keeps the annotation
    // under a manager of its own (kubectl-last-applied), as against kube-apiserver.
    expect(managers(ssa)).toEqual(['kubectl-last-applied/Apply', 'kubectl/Apply']);
    expect(ssa.metadata.managedFields.find((e: any) => e.manager === 'kubectl-last-applied').fieldsV1).toEqual({
      'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/last-applied-configuration': {} } },
    });
    // The annotation follows what was applied, so a later client-side apply diffs against the truth.
    const lastApplied = JSON.parse(ssa.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    expect(lastApplied.spec.localASN).toBe(65400);

    // Fields dropped from the manifest are now removed by the server.
    const withoutRoles = router('r', { namespace: ns, asn: 65400 });
    delete withoutRoles.spec.roles;
    await kubectl(['apply', '--server-side', '-f', '-'], manifest(withoutRoles));
    expect((await getWithManagedFields(ns, 'r')).spec.roles).toBeUndefined();
  });

  it('records kubectl’s other writes under their own managers', async () => {
    const ns = 'ssa-other';
    await kubectl(['create', '-f', '-'], manifest(router('r', { namespace: ns })));
    await kubectl(['label', 'bgprouter', 'r', '-n', ns, 'tier=edge']);
    await kubectl(['patch', 'bgprouter', 'r', '-n', ns, '--type=merge', '-p', '{"spec":{"localASN":65500}}']);
    const obj = await getWithManagedFields(ns, 'r');
    expect(managers(obj)).toEqual(['kubectl-create/Update', 'kubectl-label/Update', 'kubectl-patch/Update']);
    for (const entry of obj.metadata.managedFields) expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
