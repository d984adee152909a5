// The TLS material of a RIB endpoint test: one CA signing the agent's serving certificate
// and the API server's client certificate, as an operator would set it up.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  type PemKeyPair,
} from '../../../src/pki/certificates.js';

export interface RibPki {
  ca: PemKeyPair;
  agent: PemKeyPair;
  apiserverClient: PemKeyPair;
  /** A client certificate from a CA the agent does not trust. */
  strangerClient: PemKeyPair;
  cleanup(): Promise<void>;
}

export async function ribPki(hosts: string[]): Promise<RibPki> {
  const dir = await mkdtemp(join(tmpdir(), 'cosmos-rib-pki-'));
  const ca = await ensureCertificateAuthority(join(dir, 'ca'), 'cosmos-agents-ca');
  const stranger = await ensureCertificateAuthority(join(dir, 'stranger'), 'someone-else');
  return {
    ca,
    agent: await issueServingCertificate(ca, { hosts }),
    apiserverClient: await issueClientCertificate(ca, { commonName: 'cosmos-apiserver', organizations: [] }),
    strangerClient: await issueClientCertificate(stranger, { commonName: 'cosmos-apiserver', organizations: [] }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
