// The TLS material between the API server and node agents, as an operator sets it up:
// one agents' CA that signs each agent's serving certificate and the API server's client
// certificate, written to files for the command lines (`--agent-*` on the API server,
// `--tls-*`/`--client-ca-file` on agents). A second CA stands for anyone else.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  type PemKeyPair,
  type StoredKeyPair,
} from '../../../src/pki/certificates.js';

export interface KeyPairFiles extends PemKeyPair {
  certFile: string;
  keyFile: string;
}

export interface AgentPki {
  ca: StoredKeyPair;
  stranger: StoredKeyPair;
  /** The API server's command-line flags for reaching agents. */
  apiserverFlags: string[];
  /** A serving certificate for an agent on 127.0.0.1, signed by the agents' CA or by the stranger. */
  agentCertificate(name: string, signer?: 'agents' | 'stranger'): Promise<KeyPairFiles>;
  /** An agent's command-line flags for its RIB endpoint, with a fresh certificate. */
  agentFlags(name: string, listen: string): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function agentPki(): Promise<AgentPki> {
  const dir = await mkdtemp(join(tmpdir(), 'cosmos-agent-pki-'));
  const ca = await ensureCertificateAuthority(join(dir, 'agents-ca'), 'cosmos-agents-ca');
  const stranger = await ensureCertificateAuthority(join(dir, 'stranger-ca'), 'someone-else');
  const write = async (name: string, pair: PemKeyPair): Promise<KeyPairFiles> => {
    const files = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
    await writeFile(files.certFile, pair.certPem);
    await writeFile(files.keyFile, pair.keyPem, { mode: 0o600 });
    return { ...pair, ...files };
  };
  const client = await write('apiserver-client', await issueClientCertificate(ca, { commonName: 'cosmos-apiserver', organizations: [] }));
  const agentCertificate = async (name: string, signer: 'agents' | 'stranger' = 'agents') =>
    write(`agent-${name}`, await issueServingCertificate(signer === 'agents' ? ca : stranger, { hosts: ['127.0.0.1'] }));
  return {
    ca,
    stranger,
    apiserverFlags: ['--agent-client-cert-file', client.certFile, '--agent-client-key-file', client.keyFile, '--agent-ca-file', ca.certPath],
    agentCertificate,
    async agentFlags(name, listen) {
      const cert = await agentCertificate(name);
      return ['--listen', listen, '--tls-cert-file', cert.certFile, '--tls-private-key-file', cert.keyFile, '--client-ca-file', ca.certPath];
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
