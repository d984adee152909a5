// @peculiar/x509 resolves its ASN.1 helpers through tsyringe, which needs the Reflect
// metadata API to exist before the library module is evaluated.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, createPublicKey, webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { writePrivateFile } from './private-file.js';

export interface PemKeyPair {
  certPem: string;
  keyPem: string;
}

export interface StoredKeyPair extends PemKeyPair {
  certPath: string;
  keyPath: string;
}

export interface StandalonePki {
  ca: StoredKeyPair;
  serving: StoredKeyPair;
  admin: StoredKeyPair;
}

/** A Kubernetes user as an x509 client certificate names it: CN is the user, O the groups. */
export interface Identity {
  user: string;
  groups: string[];
}

export const STANDALONE_ADMIN: Identity = { user: 'cosmos-admin', groups: ['system:masters'] };
const STANDALONE_CA_NAME = 'cosmos-apiserver-ca';

// ECDSA P-256: generated in milliseconds (RSA takes up to seconds on a busy machine) and
// accepted by both Node's OpenSSL and kubectl's Go TLS stack.
const KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const CA_VALIDITY_YEARS = 10;
const LEAF_VALIDITY_YEARS = 1;
// Certificates start a little in the past so that a peer whose clock lags ours accepts them.
const BACKDATE_MS = 5 * 60_000;
// A leaf this close to its end is renewed at start-up, so a server started shortly before
// expiry does not run into it.
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60_000;

export async function ensureCertificateAuthority(dir: string, commonName: string): Promise<StoredKeyPair> {
  const paths = keyPairPaths(dir, 'ca');
  if (existsSync(paths.certPath) !== existsSync(paths.keyPath)) {
    // A new CA would silently orphan every certificate the old one signed.
    throw new Error(
      `only one of ${paths.certPath} and ${paths.keyPath} exists: restore the other, or remove both to create a new CA`,
    );
  }
  const stored = await readKeyPair(paths);
  if (stored) return stored;

  const keys = await generateKeys();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [commonName] }],
    keys,
    ...validityFor(CA_VALIDITY_YEARS),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return writeKeyPair(paths, {
    certPem: certificate.toString('pem'),
    keyPem: await privateKeyPem(keys.privateKey),
  });
}

export async function issueServingCertificate(ca: PemKeyPair, options: { hosts: string[] }): Promise<PemKeyPair> {
  if (options.hosts.length === 0) throw new Error('a serving certificate needs at least one host');
  return issueLeaf(ca, [{ CN: ['cosmos-apiserver'] }], [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension(
      options.hosts.map((host): x509.JsonGeneralName => ({ type: isIP(host) ? 'ip' : 'dns', value: host })),
    ),
  ]);
}

export async function issueClientCertificate(
  ca: PemKeyPair,
  options: { commonName: string; organizations: string[] },
): Promise<PemKeyPair> {
  const subject: x509.JsonName = [
    ...options.organizations.map((organization) => ({ O: [organization] })),
    { CN: [options.commonName] },
  ];
  return issueLeaf(ca, subject, [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])]);
}

/**
 * Everything the standalone server needs under `<dataDir>/pki`: reused across restarts,
 * re-issued only where the stored certificate no longer does its job.
 */
export async function ensureStandalonePki(dataDir: string, options: { hosts: string[] }): Promise<StandalonePki> {
  const dir = join(dataDir, 'pki');
  const ca = await ensureCertificateAuthority(dir, STANDALONE_CA_NAME);
  const serving = await ensureLeaf(
    keyPairPaths(dir, 'serving'),
    ca,
    (leaf) => coversHosts(leaf, options.hosts),
    () => issueServingCertificate(ca, options),
  );
  const admin = await ensureLeaf(
    keyPairPaths(dir, 'admin'),
    ca,
    () => true,
    () => issueClientCertificate(ca, { commonName: STANDALONE_ADMIN.user, organizations: STANDALONE_ADMIN.groups }),
  );
  return { ca, serving, admin };
}

/** The user a verified client certificate names; undefined when the peer sent none. */
export function identityFromCertificate(peer: PeerCertificate): Identity | undefined {
  // getPeerCertificate() returns {} when the client sent no certificate.
  const subject = peer.subject as PeerCertificate['subject'] | undefined;
  // Go's pkix keeps the last CN it reads; taking the same one keeps us in step with kube.
  const user = valuesOf(subject?.CN).at(-1);
  if (!user) return undefined;
  return { user, groups: valuesOf(subject?.O) };
}

function valuesOf(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

async function issueLeaf(ca: PemKeyPair, subject: x509.JsonName, extensions: x509.Extension[]): Promise<PemKeyPair> {
  const caCertificate = new x509.X509Certificate(ca.certPem);
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(ca.keyPem),
    caCertificate.publicKey.algorithm,
    false,
    ['sign'],
  );
  const keys = await generateKeys();
  const certificate = await x509.X509CertificateGenerator.create({
    subject,
    issuer: caCertificate.subjectName,
    publicKey: keys.publicKey,
    signingKey,
    ...validityFor(LEAF_VALIDITY_YEARS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate.publicKey),
      ...extensions,
    ],
  });
  return { certPem: certificate.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

async function ensureLeaf(
  paths: KeyPairPaths,
  ca: PemKeyPair,
  fitsPurpose: (leaf: X509Certificate) => boolean,
  issue: () => Promise<PemKeyPair>,
): Promise<StoredKeyPair> {
  const stored = await readKeyPair(paths);
  if (stored && isSound(stored, ca, fitsPurpose)) return stored;
  return writeKeyPair(paths, await issue());
}

/** Signed by this CA, not near its end, and its key file belongs to it. */
function isSound(stored: PemKeyPair, ca: PemKeyPair, fitsPurpose: (leaf: X509Certificate) => boolean): boolean {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(stored.certPem);
  } catch {
    // A leaf is derived state: an unreadable one is replaced rather than fatal.
    return false;
  }
  const caCertificate = new X509Certificate(ca.certPem);
  return (
    leaf.checkIssued(caCertificate) &&
    leaf.verify(caCertificate.publicKey) &&
    Date.parse(leaf.validTo) - Date.now() > RENEW_BEFORE_MS &&
    keyBelongsTo(stored.keyPem, leaf) &&
    fitsPurpose(leaf)
  );
}

// A crash between writing a new key and its certificate leaves a mismatched pair on disk.
function keyBelongsTo(keyPem: string, leaf: X509Certificate): boolean {
  try {
    const spki = { type: 'spki', format: 'der' } as const;
    return createPublicKey(keyPem).export(spki).equals(leaf.publicKey.export(spki));
  } catch {
    return false;
  }
}

function coversHosts(leaf: X509Certificate, hosts: string[]): boolean {
  // subject: 'never' because Go clients ignore the CN; only SANs count.
  return hosts.every(
    (host) => (isIP(host) ? leaf.checkIP(host) : leaf.checkHost(host, { subject: 'never' })) !== undefined,
  );
}

interface KeyPairPaths {
  certPath: string;
  keyPath: string;
}

function keyPairPaths(dir: string, name: string): KeyPairPaths {
  return { certPath: join(dir, `${name}.crt`), keyPath: join(dir, `${name}.key`) };
}

async function readKeyPair(paths: KeyPairPaths): Promise<StoredKeyPair | undefined> {
  if (!existsSync(paths.certPath) || !existsSync(paths.keyPath)) return undefined;
  const [certPem, keyPem] = await Promise.all([readFile(paths.certPath, 'utf8'), readFile(paths.keyPath, 'utf8')]);
  return { ...paths, certPem, keyPem };
}

async function writeKeyPair(paths: KeyPairPaths, pair: PemKeyPair): Promise<StoredKeyPair> {
  await mkdir(dirname(paths.certPath), { recursive: true, mode: 0o700 });
  // Key first: a certificate on disk then always has its key, at worst a newer one,
  // which keyBelongsTo catches on the next start.
  await writePrivateFile(paths.keyPath, pair.keyPem);
  await writeFile(paths.certPath, pair.certPem, { mode: 0o644 });
  return { ...paths, ...pair };
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function validityFor(years: number): { notBefore: Date; notAfter: Date } {
  const now = new Date();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(now.getUTCFullYear() + years);
  return { notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter };
}
