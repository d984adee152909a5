// What individual kinds add to the generic API machinery (write hooks, subresources),
// assembled for the command line, with what the rest of the server needs from them
// (admission's view of IPAM) and the controllers they run once the server serves. Each
// entry is data the server consumes; the server itself never names a kind.
import type { Logger } from 'pino';
import type { Storage } from '../../storage/interface.js';
import type { AdmissionDeps } from '../admission/types.js';
import { startIpamControllers, type RunningControllers } from '../ipam/controllers/index.js';
import { Ipam } from '../ipam/ipam.js';
import { attachmentWriteHooks, vpcWriteHooks } from '../ipam/write-hooks.js';
import type { ApiServer, KindExtension } from '../server/apiserver.js';
import type { AgentClientTls } from '../server/subresources/agent-endpoint.js';
import { allocateSubresource } from '../server/subresources/allocate.js';
import { ribSubresource } from '../server/subresources/rib.js';

export interface ExtensionDeps {
  storage: Storage;
  logger: Logger;
  /** How this server reaches node agents, for the BGPRouter rib subresource. */
  agentTls?: AgentClientTls;
}

export interface Extensions {
  kinds: KindExtension[];
  /** What admission checks need from the extensions (a VPC keeps networks that hold allocations). */
  admissionDeps: AdmissionDeps;
  /** Starts the server-side controllers, once `server` has been started. */
  start(server: ApiServer): Promise<void>;
  /** Stops them, before the server stops (and closes storage). */
  close(): void;
}

const VPC_GROUP = 'vpc.miloapis.com';

export function kindExtensions(deps: ExtensionDeps): Extensions {
  const { logger } = deps;
  const ipam = new Ipam(deps.storage, { onError: (err) => logger.warn({ err: err.message }, 'IPAM address index restarting') });
  let controllers: RunningControllers | undefined;
  return {
    kinds: [
      { group: 'bgp.miloapis.com', resource: 'bgprouters', subresources: { rib: ribSubresource({ agentTls: deps.agentTls }) } },
      { group: VPC_GROUP, resource: 'vpcs', hooks: vpcWriteHooks(ipam), subresources: { allocate: allocateSubresource(ipam) } },
      { group: VPC_GROUP, resource: 'vpcattachments', hooks: attachmentWriteHooks(ipam) },
    ],
    admissionDeps: { networkAllocations: (namespace, vpc, networks) => ipam.allocationsInNetworks(namespace, vpc, networks) },
    async start(server) {
      const store = (resource: string) => {
        const found = server.store(VPC_GROUP, resource);
        if (!found) throw new Error(`the server does not serve ${resource}.${VPC_GROUP}`);
        return found;
      };
      controllers = await startIpamControllers({
        ipam,
        vpcs: store('vpcs'),
        attachments: store('vpcattachments'),
        onError: (err, what) => logger.warn({ err: err instanceof Error ? err.message : String(err), what }, 'IPAM controller: will retry'),
      });
    },
    close() {
      controllers?.stop();
      ipam.close();
    },
  };
}
