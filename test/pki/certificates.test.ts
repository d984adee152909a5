import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ensureCertificateAuthority,
  ensureStandalonePki,
  issueServingCertificate,
} from '../../src/pki/certificates.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const HOSTS = ['localhost', '127.0.0.1', '::1', 'cosmos.example'];

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cosmos-pki-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dataDir, { recursive: true, force: true });
});

const yearsBetween = (from: string, to: string) =>
  (Date.parse(to) - Date.parse(from)) / (365.25 * 24 * 60 * 60 * 1000);

describe('ensureStandalonePki', () => {
  it('creates a CA whose serving and admin certificates verify against it', async () => {
    const pki = await ensureStandalonePki(dataDir, { hosts: HOSTS });
    const ca = new X509Certificate(pki.ca.certPem);
    const serving = new X509Certificate(pki.serving.certPem);
    const admin = new X509Certificate(pki.admin.certPem);

    expect(ca.ca).toBe(true);
    expect(ca.checkIssued(ca) && ca.verify(ca.publicKey)).toBe(true);
    expect(Math.round(yearsBetween(ca.validFrom, ca.validTo))).toBe(10);

    for (const [leaf, pair] of [[serving, pki.serving], [admin, pki.admin]] as const) {
      expect(leaf.ca).toBe(false);
      expect(leaf.checkPrivateKey(createPrivateKey(pair.keyPem))).toBe(true);
      expect(leaf.checkIssued(ca)).toBe(true);
      expect(leaf.verify(ca.publicKey)).toBe(true);
      expect(Math.round(yearsBetween(leaf.validFrom, leaf.validTo))).toBe(1);
    }
    expect(serving.keyUsage).toEqual([SERVER_AUTH]);
    expect(admin.keyUsage).toEqual([CLIENT_AUTH]);
    expect(admin.subject.split('\n')).toEqual(['O=system:masters', 'CN=cosmos-admin']);
  });

  it('does not verify a leaf against a different CA', async () => {
    const pki = await ensureStandalonePki(dataDir, { hosts: HOSTS });
    const otherCa = await ensureCertificateAuthority(join(dataDir, 'other'), 'other-ca');
    const other = new X509Certificate(otherCa.certPem);
    const serving = new X509Certificate(pki.serving.certPem);
    expect(serving.verify(other.publicKey)).toBe(false);
  });

  it('puts IP hosts in IP SANs and names in DNS SANs', async () => {
    const pki = await ensureStandalonePki(dataDir, { hosts: HOSTS });
    const serving = new X509Certificate(pki.serving.certPem);
    expect(serving.subjectAltName?.split(', ')).toEqual([
      'DNS:localhost',
      'IP Address:127.0.0.1',
      'IP Address:0:0:0:0:0:0:0:1',
      'DNS:cosmos.example',
    ]);
    expect(serving.checkIP('::1')).toBe('::1');
    expect(serving.checkHost('cosmos.example')).toBe('cosmos.example');
    expect(serving.checkHost('elsewhere.example')).toBeUndefined();
  });

  it('reuses every certificate on a second start', async () => {
    const first = await ensureStandalonePki(dataDir, { hosts: HOSTS });
    const onDisk = await readFile(first.serving.certPath, 'utf8');
    const second = await ensureStandalonePki(dataDir, { hosts: HOSTS });

    expect(second.ca.certPem).toBe(first.ca.certPem);
    expect(second.ca.keyPem).toBe(first.ca.keyPem);
    expect(second.serving.certPem).toBe(first.serving.certPem);
    expect(second.serving.keyPem).toBe(first.serving.keyPem);
    expect(second.admin.certPem).toBe(first.admin.certPem);
    expect(await readFile(second.serving.certPath, 'utf8')).toBe(onDisk);
  });

  it('re-issues the serving certificate, and only it, when a host is added', async () => {
    const first = await ensureStandalonePki(dataDir, { hosts: HOSTS });
    const second = await ensureStandalonePki(dataDir, { hosts: [...HOSTS, '10.96.0.1', 'api.cosmos.test'] });

    expect(second.ca.certPem).toBe(first.ca.certPem);
    expect(second.admin.certPem).toBe(first.admin.certPem);
    expect(second.serving.certPem).not.toBe(first.serving.certPem);
    const serving = new X509Certificate(second.serving.certPem);
    expect(serving.checkHost('api.cosmos.test')).toBe('api.cosmos.test');
    expect(serving.checkIP('10.96.0.1')).toBe('10.96.0.1');
    expect(serving.checkIssued(new X509Certificate(second.ca.certPem))).toBe(true);
    expect(await readFile(second.serving.certPath, 'utf8')).toBe(second.serving.certPem);
  });

  it('renews leaves near the end of their year and keeps the CA', async () => {
    const first = await ensureStandalonePki(dataDir, { hosts: HOSTS });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 340 * 24 * 60 * 60 * 1000);

    const second = await ensureStandalonePki(dataDir, { hosts: HOSTS });
    expect(second.ca.certPem).toBe(first.ca.certPem);
    expect(second.serving.certPem).not.toBe(first.serving.certPem);
    expect(second.admin.certPem).not.toBe(first.admin.certPem);
    expect(Date.parse(new X509Certificate(second.serving.certPem).validTo)).toBeGreaterThan(Date.now());
  });

  it('re-issues a serving certificate that another CA signed', async () => {
    const first = await ensureStandalonePki(dataDir, { hosts: HOSTS });
    const foreignCa = await ensureCertificateAuthority(join(dataDir, 'foreign'), 'foreign-ca');
    const foreign = await issueServingCertificate(foreignCa, { hosts: HOSTS });
    await writeFile(first.serving.certPath, foreign.certPem);
    await writeFile(first.serving.keyPath, foreign.keyPem);

    const second = await ensureStandalonePki(dataDir, { hosts: HOSTS });
    expect(second.serving.certPem).not.toBe(foreign.certPem);
    expect(new X509Certificate(second.serving.certPem).checkIssued(new X509Certificate(first.ca.certPem))).toBe(true);
  });

  it('re-issues a certificate whose key file is missing or does not match it', async () => {
    const first = await ensureStandalonePki(dataDir, { hosts: HOSTS });
    await unlink(first.admin.keyPath);
    await writeFile(first.serving.keyPath, first.admin.keyPem);

    const second = await ensureStandalonePki(dataDir, { hosts: HOSTS });
    expect(second.admin.certPem).not.toBe(first.admin.certPem);
    expect(second.serving.certPem).not.toBe(first.serving.certPem);
    const serving = new X509Certificate(second.serving.certPem);
    expect(serving.checkPrivateKey(createPrivateKey(second.serving.keyPem))).toBe(true);
  });

  it('writes private keys readable by the owner only', async () => {
    const pki = await ensureStandalonePki(dataDir, { hosts: HOSTS });
    for (const pair of [pki.ca, pki.serving, pki.admin]) {
      expect((await stat(pair.keyPath)).mode & 0o777).toBe(0o600);
      expect(await readFile(pair.keyPath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    }
    expect(pki.serving.keyPath).toBe(join(dataDir, 'pki', 'serving.key'));
  });

  it('refuses to replace a CA whose key is missing', async () => {
    const pki = await ensureStandalonePki(dataDir, { hosts: HOSTS });
    await unlink(pki.ca.keyPath);
    await expect(ensureStandalonePki(dataDir, { hosts: HOSTS })).rejects.toThrow(/ca\.key/);
  });
});
