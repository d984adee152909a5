// The BGPRouter `rib` subresource: the router's live BGP table, read at request time from
// the agent of the node that runs it, through the endpoint the agent registered on the
// router (annotations; see openapi/subresources/bgp.miloapis.com/v1alpha1/rib.yaml for
// the contract). The API server stores nothing of it: what it answers is what the node's
// routing runtime holds now, or 503 saying which node could not tell.
import { RIB_CERT_SHA256_ANNOTATION, RIB_ENDPOINT_ANNOTATION, type Rib } from '../../api/rib.js';
import { validateSchema } from '../../admission/schema-validation.js';
import type { JSONSchemaProps } from '../../api/kinds.js';
import type { KubeObject } from '../../api/object.js';
import { subresourceKind } from '../../api/openapi/subresource-kinds.js';
import type { BGPRouter } from '../../api/types.generated.js';
import { formatFieldErrors } from '../../meta/field-errors.js';
import * as errors from '../../meta/status.js';
import { negotiate } from '../negotiation.js';
import { send, type SubresourceHandler } from '../resource-handler.js';
import { getFromAgent, type AgentClientTls } from './agent-endpoint.js';
import { ribTable } from './rib-table.js';

// Written by the agent (src/agent/rib/registration.ts); the agent and the API server
// share no code, only this contract.

/** kubectl waits without limit: a node that does not answer must not hold it for long. */
const AGENT_TIMEOUT_MS = 5_000;

/** `agentTls`: how to reach agents; without it every RIB request answers 503. */
export function ribSubresource({ agentTls }: { agentTls?: AgentClientTls }): SubresourceHandler {
  const { schema } = subresourceKind('bgp.miloapis.com', 'v1alpha1', 'RIB');
  return {
    methods: { GET: 'get' },
    responseKind: 'RIB',
    async handle(req, res, { store, namespace, name }) {
      // kubectl 1.32's `get --subresource rib` asks for a Table (v1, then v1beta1) before
      // JSON, with no query. The RIB has no protobuf form: JSON or YAML, object or Table.
      const choice = negotiate(req.headers.accept, ['Table'], ['json', 'yaml']);
      if (!choice) throw errors.notAcceptable('only the following media types are accepted: application/json, application/yaml');
      const router = (await store.get(namespace, name)) as KubeObject & BGPRouter;
      const rib = await liveRib(router, agentTls, schema);
      send(res, 200, choice.transform === 'Table' ? ribTable(rib, choice.transformVersion!) : rib, choice);
    },
  };
}

async function liveRib(router: BGPRouter, agentTls: AgentClientTls | undefined, schema: JSONSchemaProps): Promise<Rib> {
  const { namespace, name, annotations = {} } = router.metadata as { namespace: string; name: string; annotations?: Record<string, string> };
  const target = router.spec?.targetRef;
  const unavailable = (why: string) =>
    errors.serviceUnavailable(`the RIB of BGPRouter ${namespace}/${name} is not available: ${target?.kind ?? 'Node'} "${target?.name ?? ''}": ${why}`);

  const endpoint = annotations[RIB_ENDPOINT_ANNOTATION];
  const certSha256 = annotations[RIB_CERT_SHA256_ANNOTATION];
  if (!endpoint || !certSha256) throw unavailable('no agent has registered a RIB endpoint for this router');
  if (!agentTls) throw unavailable('this API server has no client certificate for agents (--agent-client-cert-file, --agent-client-key-file, --agent-ca-file)');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw unavailable(`the registered endpoint ${JSON.stringify(endpoint)} is not a URL`);
  }
  if (url.protocol !== 'https:') throw unavailable(`the registered endpoint ${endpoint} is not HTTPS`);

  let answer;
  try {
    answer = await getFromAgent(url, { tls: agentTls, certSha256, timeoutMs: AGENT_TIMEOUT_MS });
  } catch (err) {
    throw unavailable(`its agent at ${url.origin} could not be read: ${(err as Error).message}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    throw unavailable(`its agent at ${url.origin} answered ${answer.status} with a body that is not JSON`);
  }
  if (answer.status !== 200) {
    const message = (body as { message?: unknown } | null)?.message;
    throw unavailable(`its agent answered ${answer.status}${typeof message === 'string' ? `: ${message}` : ''}`);
  }
  const problems = validateSchema(body, schema, undefined);
  if (problems.length) throw unavailable(`its agent answered with a RIB this server does not understand: ${formatFieldErrors(problems)}`);
  const rib = body as Rib;
  if (rib.kind !== 'RIB' || rib.metadata.namespace !== namespace || rib.metadata.name !== name) {
    throw unavailable(`its agent answered with ${rib.kind} ${rib.metadata.namespace}/${rib.metadata.name}`);
  }
  return rib;
}
