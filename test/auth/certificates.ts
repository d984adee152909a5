// Certificates for the authentication tests, including the ones the product's PKI never
// makes (expired, intermediates, server-only usage), so the chain checks can be shown
// to refuse them.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

const ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' };
const DAY = 24 * 60 * 60_000;

export interface TestCertificate {
  certPem: string;
  keyPem: string;
  /** This certificate followed by the intermediates that issued it (what a client sends). */
  chainPem: string;
  serialNumber: string;
  certificate: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

export interface IssueOptions {
  commonName: string;
  organizations?: string[];
  /** Defaults: valid from a day ago for a year. */
  notBefore?: Date;
  notAfter?: Date;
  usage?: 'client' | 'server' | 'ca';
  hosts?: string[];
}

let serial = 1;

async function create(options: IssueOptions, issuer?: TestCertificate): Promise<TestCertificate> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const usage = options.usage ?? 'client';
  const name: x509.JsonName = [...(options.organizations ?? []).map((o) => ({ O: [o] })), { CN: [options.commonName] }];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(usage === 'ca', undefined, true),
    new x509.KeyUsagesExtension(
      usage === 'ca' ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (usage === 'client') extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]));
  if (usage === 'server') {
    extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]));
    extensions.push(new x509.SubjectAlternativeNameExtension((options.hosts ?? ['localhost']).map((value) => ({ type: /^[\d.]+$/.test(value) ? 'ip' : 'dns', value }))));
  }
  if (issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate.publicKey));
  // A leading 1 keeps the DER integer positive and minimal, so Node prints it as written.
  const serialNumber = `1${(serial++).toString(16).padStart(7, '0')}${Date.now().toString(16).padStart(12, '0')}`;
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  const notAfter = options.notAfter ?? new Date(Date.now() + 365 * DAY);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: name,
    issuer: issuer ? issuer.certificate.subjectName : name,
    publicKey: keys.publicKey,
    signingKey: issuer ? issuer.keys.privateKey : keys.privateKey,
    signingAlgorithm: SIGNING,
    notBefore,
    notAfter,
    extensions,
  });
  const certPem = certificate.toString('pem');
  const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  const issuerChain = issuer && issuer.certificate.subject !== issuer.certificate.issuer ? issuer.chainPem : '';
  return { certPem, keyPem, chainPem: `${certPem}\n${issuerChain}`, serialNumber, certificate, keys };
}

export function createCa(commonName: string): Promise<TestCertificate> {
  return create({ commonName, usage: 'ca' });
}

export function issue(issuer: TestCertificate, options: IssueOptions): Promise<TestCertificate> {
  return create(options, issuer);
}
