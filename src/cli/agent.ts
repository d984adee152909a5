// `npm run agent -- --kubeconfig FILE --node-name NAME [--netns NS] [--frr-pathspace P]
//                   [--listen ADDR:PORT --tls-cert-file F --tls-private-key-file F --client-ca-file F]`:
// the node agent. It watches the BGP objects of its node's routers through the API,
// programs the node's FRR, reports status, and with --listen serves its routers' live
// RIBs to the API server (see src/agent/rib/).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Agent, loadKubeconfig, type RibEndpointOptions } from '../agent/agent.js';
import { FrrRuntime } from '../agent/frr-runtime.js';

const USAGE = `usage: npm run agent -- --kubeconfig FILE --node-name NAME
         [--netns NS]            network namespace of the node (FRR's path space defaults to it)
         [--frr-pathspace P]     FRR path space (vtysh -N P); default: --netns, else FRR's default
         [--vtysh PATH]          vtysh binary (default: vtysh from PATH)
         [--listen ADDR:PORT     serve live RIBs over HTTPS on this address
          --tls-cert-file F --tls-private-key-file F   the endpoint's certificate and key (PEM)
          --client-ca-file F     CA of the client certificates allowed to read RIBs (the API server's)
          [--rib-advertise-url URL]  base URL the API server uses, default https://ADDR:PORT]
         [--log-level info]`;

function main(): Promise<void> | void {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      'node-name': { type: 'string' },
      netns: { type: 'string' },
      'frr-pathspace': { type: 'string' },
      vtysh: { type: 'string' },
      listen: { type: 'string' },
      'tls-cert-file': { type: 'string' },
      'tls-private-key-file': { type: 'string' },
      'client-ca-file': { type: 'string' },
      'rib-advertise-url': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return console.log(USAGE);
  if (!values.kubeconfig || !values['node-name']) throw new Error(`--kubeconfig and --node-name are required\n${USAGE}`);
  if (values.netns && !existsSync(join('/run/netns', values.netns))) throw new Error(`--netns: no network namespace ${values.netns} (ip netns list)`);
  return run({ ...values, kubeconfig: values.kubeconfig, nodeName: values['node-name'] });
}

async function run(values: {
  kubeconfig: string;
  nodeName: string;
  netns?: string;
  'frr-pathspace'?: string;
  vtysh?: string;
  listen?: string;
  'tls-cert-file'?: string;
  'tls-private-key-file'?: string;
  'client-ca-file'?: string;
  'rib-advertise-url'?: string;
  'log-level': string;
}): Promise<void> {
  const logger = pino({ level: values['log-level'] }, pino.destination(2));
  const pathspace = values['frr-pathspace'] ?? values.netns ?? '';
  const agent = await Agent.start({
    kubeconfig: loadKubeconfig(values.kubeconfig),
    nodeName: values.nodeName,
    runtime: new FrrRuntime({ pathspace, binary: values.vtysh }),
    logger,
    rib: values.listen ? ribEndpoint(values.listen, values) : undefined,
  });
  if (agent.ribUrl) console.log(`Cosmos agent for node ${values.nodeName} serving RIBs on ${agent.ribUrl}`);

  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal, node: values.nodeName }, 'shutting down');
    await agent.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

function ribEndpoint(
  listen: string,
  files: { 'tls-cert-file'?: string; 'tls-private-key-file'?: string; 'client-ca-file'?: string; 'rib-advertise-url'?: string },
): RibEndpointOptions {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen);
  if (!m) throw new Error(`--listen: expected ADDR:PORT or [IPv6]:PORT, got ${listen}`);
  const read = (flag: 'tls-cert-file' | 'tls-private-key-file' | 'client-ca-file'): string => {
    const path = files[flag];
    if (!path) throw new Error(`--listen needs --${flag}: the RIB endpoint is HTTPS with client certificates only`);
    return readFileSync(path, 'utf8');
  };
  return {
    host: m[1] ?? m[2]!,
    port: Number(m[3]),
    cert: read('tls-cert-file'),
    key: read('tls-private-key-file'),
    clientCa: read('client-ca-file'),
    advertiseUrl: files['rib-advertise-url'],
  };
}

Promise.resolve()
  .then(main)
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
