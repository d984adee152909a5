// `npm start -- --secure-port N --data-dir DIR [--etcd-servers URLS] [--etcd-prefix P]`:
// the standalone API server. Without --etcd-servers it runs on the embedded store in the
// data dir; it generates its certificates and an admin kubeconfig on first start and
// prints how to point kubectl at it.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { EmbeddedStorage } from '../../storage/embedded/index.js';
import { EtcdStorage } from '../../storage/etcd.js';
import type { Storage } from '../../storage/interface.js';
import { createAdmission } from '../admission/index.js';
import type { ObjectLookup } from '../admission/types.js';
import { loadKinds } from '../api/kinds.js';
import { ensureStandalonePki, STANDALONE_ADMIN } from '../pki/certificates.js';
import { writeKubeconfig } from '../pki/kubeconfig.js';
import { ApiServer } from '../server/apiserver.js';
import { allowAuthenticated, ClientCertificateAuthenticator } from '../server/auth.js';
import { startCompactor } from '../registry/compactor.js';
import { kindExtensions } from './extensions.js';

const USAGE = `usage: npm start -- [--secure-port 6443] [--bind-address 127.0.0.1] [--data-dir ./.cosmos]
                 [--etcd-servers URL[,URL]] [--etcd-prefix /cosmos] [--log-level info]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'secure-port': { type: 'string', default: '6443' },
      'bind-address': { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string', default: './.cosmos' },
      'etcd-servers': { type: 'string' },
      'etcd-prefix': { type: 'string', default: '' },
      'log-level': { type: 'string', default: 'info' },
      // Hidden, for tests that cannot wait minutes: how often storage is compacted and
      // how often watches get bookmarks (Go-style durations: 500ms, 2s, 5m).
      'compaction-interval': { type: 'string', default: '5m' },
      'watch-bookmark-interval': { type: 'string', default: '1m' },
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
  const dataDir = resolve(values['data-dir']);
  const logger = pino({ level: values['log-level'] }, pino.destination(2));

  const kinds = loadKinds();
  const storage: Storage = values['etcd-servers']
    ? new EtcdStorage({ endpoints: values['etcd-servers'].split(','), prefix: values['etcd-prefix'] })
    : await EmbeddedStorage.open(join(dataDir, 'store'));
  const storageName = values['etcd-servers'] ? `etcd ${values['etcd-servers']}` : `embedded store in ${join(dataDir, 'store')}`;

  const bind = values['bind-address'];
  const hosts = ['localhost', '127.0.0.1', '::1', hostname(), ...(bind !== '0.0.0.0' && bind !== '::' ? [bind] : [])];
  const pki = await ensureStandalonePki(dataDir, { hosts: [...new Set(hosts)] });
  // Admission looks other objects up through the server's caches, which exist once it does.
  const lookup: ObjectLookup = (kind, namespace, name) => server.lookup(kind, namespace, name);
  const server: ApiServer = new ApiServer({
    kinds,
    extensions: kindExtensions({ storage }),
    storage,
    admission: createAdmission(kinds, { lookup }),
    authenticator: new ClientCertificateAuthenticator(),
    authorizer: allowAuthenticated,
    logger,
    tls: { key: pki.serving.keyPem, cert: pki.serving.certPem, clientCa: pki.ca.certPem },
    bindAddress: bind,
    port,
    bookmarkIntervalMs,
  });
  const boundPort = await server.start();
  const compactor = startCompactor(storage, { logger, intervalMs: compactionIntervalMs });

  const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  const url = `https://${host}:${boundPort}`;
  const kubeconfig = join(dataDir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, {
    clusterName: 'cosmos',
    server: url,
    caPem: pki.ca.certPem,
    user: STANDALONE_ADMIN.user,
    clientCertPem: pki.admin.certPem,
    clientKeyPem: pki.admin.keyPem,
  });
  logger.info({ url, storage: storageName, kinds: kinds.length }, 'serving');
  console.log(`Cosmos API server listening on ${url} (storage: ${storageName})`);
  console.log(`Point kubectl at it:\n  export KUBECONFIG=${kubeconfig}`);

  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'shutting down');
    compactor.stop();
    await server.stop();
    await storage.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function durationMs(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (!m || Number(m[1]) === 0) throw new Error(`${flag}: not a positive duration such as 500ms, 2s or 5m: ${value}`);
  return Number(m[1]) * DURATION_UNITS_MS[m[2]!]!;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
