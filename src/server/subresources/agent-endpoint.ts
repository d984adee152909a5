// The API server as a client of node agents' endpoints: it presents its own client
// certificate, accepts only an agent certificate that chains to the agent CA, and of
// those only the one whose SHA-256 the object's annotation names (the pin), so an
// endpoint can be claimed only by someone allowed to annotate the object.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { PeerCertificate } from 'node:tls';

export interface AgentClientTls {
  /** PEM: the API server's client certificate and key, and the CA that signs agents' serving certificates. */
  cert: string;
  key: string;
  ca: string;
}

/** The command-line flags that name the files, in node:util parseArgs form. */
export const AGENT_CLIENT_TLS_FLAGS = {
  'agent-client-cert-file': { type: 'string' },
  'agent-client-key-file': { type: 'string' },
  'agent-ca-file': { type: 'string' },
} as const;

/** One line of the command's usage. */
export const AGENT_CLIENT_TLS_USAGE = '[--agent-client-cert-file F --agent-client-key-file F --agent-ca-file F]  (live RIBs from node agents)';

type AgentTlsFlagValues = Partial<Record<keyof typeof AGENT_CLIENT_TLS_FLAGS, string>>;

/** The TLS material the flags name; undefined when none is given (the RIB then answers 503). */
export function loadAgentClientTls(values: AgentTlsFlagValues): AgentClientTls | undefined {
  const flags = Object.keys(AGENT_CLIENT_TLS_FLAGS) as (keyof typeof AGENT_CLIENT_TLS_FLAGS)[];
  const given = flags.filter((f) => values[f]);
  if (!given.length) return undefined;
  const missing = flags.filter((f) => !values[f]);
  if (missing.length) throw new Error(`${missing.map((f) => `--${f}`).join(', ')}: needed with ${given.map((f) => `--${f}`).join(', ')}`);
  const read = (flag: keyof typeof AGENT_CLIENT_TLS_FLAGS): string => readFileSync(values[flag]!, 'utf8');
  return { cert: read('agent-client-cert-file'), key: read('agent-client-key-file'), ca: read('agent-ca-file') };
}

export interface AgentAnswer {
  status: number;
  body: string;
}

/**
 * GETs `url` from an agent. Rejects when the agent cannot be reached, presents another
 * certificate than the pinned one, or has not answered completely within `timeoutMs`.
 */
export function getFromAgent(url: URL, opts: { tls: AgentClientTls; certSha256: string; timeoutMs: number }): Promise<AgentAnswer> {
  const pinned = opts.certSha256.toLowerCase().replaceAll(':', '');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: { Accept: 'application/json' },
        cert: opts.tls.cert,
        key: opts.tls.key,
        ca: opts.tls.ca,
        rejectUnauthorized: true,
        // The pin names the exact certificate, which says more than a host name would;
        // agents are reached by node addresses their certificates need not list.
        checkServerIdentity: (_host: string, cert: PeerCertificate) =>
          cert.fingerprint256.toLowerCase().replaceAll(':', '') === pinned
            ? undefined
            : new Error(`the agent's certificate (SHA-256 ${cert.fingerprint256}) is not the one its registration names`),
        // A pooled connection would skip checkServerIdentity, and so the pin, after the
        // annotation changed: one connection per request.
        agent: false,
        signal: AbortSignal.timeout(opts.timeoutMs),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', (err) => reject(err.name === 'TimeoutError' || err.name === 'AbortError' ? new Error(`no answer within ${opts.timeoutMs / 1000}s`) : err));
    req.end();
  });
}
