import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { groupVersions, loadKinds } from '../../src/api/kinds.js';

const openapiDir = new URL('../../openapi/', import.meta.url);
const routerFile = 'bgp.miloapis.com/v1alpha1/bgprouters.yaml';
const routerYaml = readFileSync(new URL(routerFile, openapiDir), 'utf8');

describe('loadKinds', () => {
  it('loads the seven kinds from openapi/, sorted by group then kind', () => {
    const kinds = loadKinds();
    expect(kinds.map((k) => `${k.group}/${k.version} ${k.kind}`)).toEqual([
      'bgp.miloapis.com/v1alpha1 BGPAdvertisement',
      'bgp.miloapis.com/v1alpha1 BGPPeer',
      'bgp.miloapis.com/v1alpha1 BGPPolicy',
      'bgp.miloapis.com/v1alpha1 BGPRouter',
      'bgp.miloapis.com/v1alpha1 BGPVRFInstance',
      'vpc.miloapis.com/v1alpha1 VPC',
      'vpc.miloapis.com/v1alpha1 VPCAttachment',
    ]);
    const router = kinds.find((k) => k.kind === 'BGPRouter')!;
    expect(router).toMatchObject({ plural: 'bgprouters', singular: 'bgprouter', shortNames: ['bgpr'], scope: 'Namespaced', hasStatus: true });
    expect(router.printerColumns.map((c) => c.name)).toEqual(['TARGET', 'ROLES', 'ASN', 'ROUTER-ID', 'PHASE', 'AGE']);
    expect(router.schema.properties?.spec?.required).toContain('localASN');
  });

  it('groups kinds by group and version', () => {
    expect(groupVersions(loadKinds()).map((gv) => `${gv.group}/${gv.version}: ${gv.kinds.map((k) => k.kind).join(' ')}`)).toEqual([
      'bgp.miloapis.com/v1alpha1: BGPAdvertisement BGPPeer BGPPolicy BGPRouter BGPVRFInstance',
      'vpc.miloapis.com/v1alpha1: VPC VPCAttachment',
    ]);
  });

  describe('on a malformed file', () => {
    let dir: string;
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    function withFile(path: string, text: string): string {
      dir = mkdtempSync(join(tmpdir(), 'openapi-'));
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
      return join(dir, path);
    }

    it('names the file and the misspelt schema keyword', () => {
      const file = withFile(routerFile, routerYaml.replace('minLength: 1', 'minLenght: 1'));
      expect(() => loadKinds(dir)).toThrow(file);
      expect(() => loadKinds(dir)).toThrow(/minLenght/);
      expect(() => loadKinds(dir)).toThrow(/targetRef/);
    });

    it('names the file and the missing top-level field', () => {
      const file = withFile(routerFile, routerYaml.replace(/^scope: Namespaced\n/m, ''));
      expect(() => loadKinds(dir)).toThrow(file);
      expect(() => loadKinds(dir)).toThrow(/scope/);
    });

    it('names the file that is not valid YAML', () => {
      const file = withFile(routerFile, `${routerYaml}\n  - : [`);
      expect(() => loadKinds(dir)).toThrow(file);
    });

    it('rejects a file whose path disagrees with its contents', () => {
      const file = withFile('bgp.miloapis.com/v1beta1/bgprouters.yaml', routerYaml);
      expect(() => loadKinds(dir)).toThrow(`${file}: declares BGPRouter of bgp.miloapis.com/v1alpha1, so it belongs at ${routerFile}`);
    });
  });

  it('reads only <group>/<version>/*.yaml, so other files may sit in openapi/', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    try {
      cpSync(new URL('bgp.miloapis.com/', openapiDir), join(dir, 'bgp.miloapis.com'), { recursive: true });
      writeFileSync(join(dir, 'v3.yaml'), 'openapi: 3.0.0\n');
      writeFileSync(join(dir, 'bgp.miloapis.com', 'v1alpha1', 'README.md'), 'notes\n');
      expect(loadKinds(dir).map((k) => k.kind)).toEqual(['BGPAdvertisement', 'BGPPeer', 'BGPPolicy', 'BGPRouter', 'BGPVRFInstance']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
