// `npm start -- [flags]`: the API server (USAGE below and the README list every flag).
//
// Standalone mode, the default: it generates a CA, a serving certificate and an admin
// client certificate in the data dir on first start, writes an admin kubeconfig and
// prints how to point kubectl at it. Aggregated mode, selected by any of the delegation
// flags kube's extension servers take: the cluster authenticates (front proxy, client
// certificates, TokenReview) and authorizes (SubjectAccessReview) every request, the
// serving certificate comes from --tls-cert-file/--tls-private-key-file, and nothing is
// written for kubectl (it reaches us through kube-apiserver). Either way storage is etcd
// when --etcd-servers is given, else the embedded store in the data dir.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { EmbeddedStorage } from '../../storage/embedded/index.js';
import { EtcdStorage } from '../../storage/etcd.js';
import type { Storage } from '../../storage/interface.js';
import { createAdmission } from '../admission/index.js';
import type { ObjectLookup } from '../admission/types.js';
import { loadKinds } from '../api/kinds.js';
import { ensureStandalonePki, STANDALONE_ADMIN } from '../pki/certificates.js';
import { writeKubeconfig } from '../pki/kubeconfig.js';
import { startCompactor } from '../registry/compactor.js';
import { ApiServer } from '../server/apiserver.js';
import { allowAuthenticated, ClientCertificateAuthenticator, type Authenticator, type Authorizer } from '../server/auth.js';
import { startDelegation } from '../server/delegation/delegation.js';
import { DELEGATION_FLAG_OPTIONS, DELEGATION_USAGE, delegationFlags, delegationRequested, type DelegationFlags } from '../server/delegation/flags.js';
import { DEFAULT_IN_FLIGHT_LIMITS, type InFlightLimits } from '../server/serving/in-flight.js';
import { ServingCertificate, staticCaBundle, type ServingCertificateOptions } from '../server/serving/serving-certificate.js';
import { AGENT_CLIENT_TLS_FLAGS, AGENT_CLIENT_TLS_USAGE, loadAgentClientTls } from '../server/subresources/agent-endpoint.js';
import { kindExtensions } from './extensions.js';

const USAGE = `usage: npm start -- [--secure-port 6443] [--bind-address 127.0.0.1] [--data-dir ./.cosmos] [--log-level info]
                 [--etcd-servers URL[,URL]] [--etcd-prefix /cosmos]
                 [--etcd-cafile FILE] [--etcd-certfile FILE --etcd-keyfile FILE]
                 [--max-requests-inflight 400] [--max-mutating-requests-inflight 200]
                 [--request-timeout 1m] [--shutdown-delay-duration 0s]
                 ${AGENT_CLIENT_TLS_USAGE}

${DELEGATION_USAGE}`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'secure-port': { type: 'string', default: '6443' },
      'bind-address': { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string', default: './.cosmos' },
      'etcd-servers': { type: 'string' },
      'etcd-prefix': { type: 'string', default: '' },
      'etcd-cafile': { type: 'string' },
      'etcd-certfile': { type: 'string' },
      'etcd-keyfile': { type: 'string' },
      'max-requests-inflight': { type: 'string', default: String(DEFAULT_IN_FLIGHT_LIMITS.readOnly) },
      'max-mutating-requests-inflight': { type: 'string', default: String(DEFAULT_IN_FLIGHT_LIMITS.mutating) },
      'request-timeout': { type: 'string', default: '1m' },
      'shutdown-delay-duration': { type: 'string', default: '0s' },
      'log-level': { type: 'string', default: 'info' },
      // Hidden, for tests that cannot wait minutes: how often storage is compacted and
      // how often watches get bookmarks.
      'compaction-interval': { type: 'string', default: '5m' },
      'watch-bookmark-interval': { type: 'string', default: '1m' },
      ...DELEGATION_FLAG_OPTIONS,
      ...AGENT_CLIENT_TLS_FLAGS,
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values['secure-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--secure-port: not a port: ${values['secure-port']}`);
  const compactionIntervalMs = durationMs(values['compaction-interval'], '--compaction-interval');
  const bookmarkIntervalMs = durationMs(values['watch-bookmark-interval'], '--watch-bookmark-interval');
  const inFlight: InFlightLimits = {
    readOnly: inFlightLimit(values['max-requests-inflight'], '--max-requests-inflight'),
    mutating: inFlightLimit(values['max-mutating-requests-inflight'], '--max-mutating-requests-inflight'),
  };
  const requestTimeoutMs = durationMs(values['request-timeout'], '--request-timeout');
  const shutdownDelayMs = durationMs(values['shutdown-delay-duration'], '--shutdown-delay-duration', { allowZero: true });
  const delegation = delegationRequested(values) ? delegationFlags(values) : undefined;
  if (delegation && !delegation.tls) {
    throw new Error('aggregated mode needs --tls-cert-file and --tls-private-key-file: the serving certificate that the APIServices\' caBundle vouches for');
  }
  const dataDir = resolve(values['data-dir']);
  const logger = pino({ level: values['log-level'] }, pino.destination(2));
  const bind = values['bind-address'];

  const kinds = loadKinds();
  const { storage, description: storageName } = await openStorage(values, dataDir);
  const security = delegation ? await aggregatedSecurity(delegation, logger) : await standaloneSecurity(dataDir, bind, logger);
  // Admission looks other objects up through the server's caches, which exist once it does.
  const lookup: ObjectLookup = (kind, namespace, name) => server.lookup(kind, namespace, name);
  const extensions = kindExtensions({ storage, logger, agentTls: loadAgentClientTls(values) });
  const server: ApiServer = new ApiServer({
    kinds,
    extensions: extensions.kinds,
    storage,
    admission: createAdmission(kinds, { lookup, ...extensions.admissionDeps }),
    authenticator: security.authenticator,
    authorizer: security.authorizer,
    logger,
    serving: security.serving,
    bindAddress: bind,
    port,
    bookmarkIntervalMs,
    inFlight,
    requestTimeoutMs,
    shutdownDelayMs,
    // kube-controller-manager's garbage collector reaches our objects through the aggregator.
    garbageCollected: delegation !== undefined,
  });
  const boundPort = await server.start();
  await extensions.start(server);
  const compactor = startCompactor(storage, { logger, intervalMs: compactionIntervalMs });

  const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  const url = `https://${host}:${boundPort}`;
  logger.info({ url, storage: storageName, kinds: kinds.length, mode: delegation ? 'aggregated' : 'standalone' }, 'serving');
  console.log(`Cosmos API server listening on ${url} (storage: ${storageName})`);
  await security.announce(url);

  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal, delayMs: shutdownDelayMs }, 'shutting down');
    compactor.stop();
    extensions.close();
    await server.stop();
    security.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/** What the two modes differ in: who may do what, and which certificate the server presents. */
interface Security {
  authenticator: Authenticator;
  authorizer: Authorizer;
  serving: ServingCertificate;
  /** Tells the user how to use the server, once it listens at `url`. */
  announce(url: string): Promise<void>;
  close(): void;
}

async function standaloneSecurity(dataDir: string, bind: string, logger: Logger): Promise<Security> {
  const hosts = ['localhost', '127.0.0.1', '::1', hostname(), ...(bind !== '0.0.0.0' && bind !== '::' ? [bind] : [])];
  const pki = await ensureStandalonePki(dataDir, { hosts: [...new Set(hosts)] });
  const serving = await ServingCertificate.load({
    certFile: pki.serving.certPath,
    keyFile: pki.serving.keyPath,
    clientCAs: staticCaBundle([pki.ca.certPem]),
    ...certificateEvents(logger),
  });
  return {
    authenticator: new ClientCertificateAuthenticator(),
    authorizer: allowAuthenticated,
    serving,
    async announce(url) {
      const kubeconfig = join(dataDir, 'kubeconfig');
      await writeKubeconfig(kubeconfig, {
        clusterName: 'cosmos',
        server: url,
        caPem: pki.ca.certPem,
        user: STANDALONE_ADMIN.user,
        clientCertPem: pki.admin.certPem,
        clientKeyPem: pki.admin.keyPem,
      });
      console.log(`Point kubectl at it:\n  export KUBECONFIG=${kubeconfig}`);
    },
    close: () => serving.close(),
  };
}

async function aggregatedSecurity(flags: DelegationFlags, logger: Logger): Promise<Security> {
  const delegation = await startDelegation(flags, {
    onError: (err, what) => logger.warn({ err: String(err), what }, 'delegated authentication: the last good state stays in force'),
  });
  let serving: ServingCertificate;
  try {
    serving = await ServingCertificate.load({ ...flags.tls!, clientCAs: delegation.clientCAs, ...certificateEvents(logger) });
  } catch (err) {
    delegation.close();
    throw err;
  }
  return {
    authenticator: delegation.authenticator,
    authorizer: delegation.authorizer,
    serving,
    async announce() {
      console.log('Aggregated mode: the cluster authenticates and authorizes every request; clients reach this server through kube-apiserver (see apiservice/).');
    },
    close() {
      serving.close();
      delegation.close();
    },
  };
}

function certificateEvents(logger: Logger): Pick<ServingCertificateOptions, 'onReload' | 'onError'> {
  return {
    onReload: (certificate) => logger.info(certificate, 'serving certificate reloaded'),
    onError: (err) => logger.warn({ err: String(err) }, 'serving certificate files not usable (yet); the previous certificate stays in use'),
  };
}

interface StorageFlags {
  'data-dir': string;
  'etcd-servers'?: string;
  'etcd-prefix': string;
  'etcd-cafile'?: string;
  'etcd-certfile'?: string;
  'etcd-keyfile'?: string;
}

async function openStorage(values: StorageFlags, dataDir: string): Promise<{ storage: Storage; description: string }> {
  const servers = values['etcd-servers'];
  if (!servers) {
    const dir = join(dataDir, 'store');
    return { storage: await EmbeddedStorage.open(dir), description: `embedded store in ${dir}` };
  }
  const { 'etcd-cafile': caFile, 'etcd-certfile': certFile, 'etcd-keyfile': keyFile } = values;
  if (!certFile !== !keyFile) throw new Error('--etcd-certfile and --etcd-keyfile go together');
  const read = (file: string | undefined): Promise<Buffer | undefined> => (file ? readFile(file) : Promise.resolve(undefined));
  const [ca, cert, key] = await Promise.all([read(caFile), read(certFile), read(keyFile)]);
  const tls = ca || cert ? { ca, cert, key } : undefined;
  return {
    storage: new EtcdStorage({ endpoints: servers.split(','), prefix: values['etcd-prefix'], tls }),
    description: `etcd ${servers}${tls ? ' over TLS' : ''}`,
  };
}

/** `--max-requests-inflight` and its mutating twin: 0 means no limit, as in kube. */
function inFlightLimit(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`${flag}: not a whole number: ${value}`);
  const limit = Number(value);
  return limit === 0 ? Infinity : limit;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration as kube's flags take them: 500ms, 2s, 1m30s (and 0 where allowed). */
function durationMs(value: string, flag: string, options: { allowZero?: boolean } = {}): number {
  const valid = value === '0' || /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(value);
  const ms = valid ? [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)].reduce((sum, m) => sum + Number(m[1]) * DURATION_UNITS_MS[m[2]!]!, 0) : NaN;
  if (!valid || (ms === 0 && !options.allowZero)) {
    throw new Error(`${flag}: not a ${options.allowZero ? '' : 'positive '}duration such as 500ms, 2s or 1m30s: ${value}`);
  }
  return ms;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
