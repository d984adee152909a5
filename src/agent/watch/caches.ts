// The agent's view of the API: one informer per watched collection, read together as a
// snapshot from which the whole desired state of the node is computed.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesListObject, type KubernetesObject, type V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ResilientInformer, type ChangeType, type InformerState } from './informer.js';
import { BGP_GROUP, BGP_RESOURCES, BGP_VERSION, collectionPath, SECRETS_PATH, type BgpCollection, type BgpObjects } from './resources.js';

/** Secrets as the agent can see them: possibly not at all (see `state`). */
export interface SecretView {
  state: InformerState;
  /** Why Secrets cannot be read, when they cannot. */
  reason?: string;
  get(namespace: string, name: string): V1Secret | undefined;
}

export interface ApiSnapshot extends BgpObjects {
  secrets: SecretView;
}

/** A watch event, or (`state`) a collection becoming listed or unreadable. */
export interface CacheChange {
  collection: BgpCollection | 'secrets';
  type: ChangeType | 'state';
  object?: KubernetesObject;
}

export interface ApiCachesOptions {
  kubeconfig: KubeConfig;
  logger: Logger;
  retryDelayMs?: { initial: number; max: number };
}

export class ApiCaches {
  private readonly bgp: Record<BgpCollection, ResilientInformer<KubernetesObject>>;
  private readonly secrets: ResilientInformer<V1Secret>;
  private readonly listeners = new Set<(change: CacheChange) => void>();

  constructor(opts: ApiCachesOptions) {
    const custom = opts.kubeconfig.makeApiClient(CustomObjectsApi);
    const core = opts.kubeconfig.makeApiClient(CoreV1Api);
    const common = { kubeconfig: opts.kubeconfig, logger: opts.logger, retryDelayMs: opts.retryDelayMs };
    this.bgp = Object.fromEntries(
      Object.entries(BGP_RESOURCES).map(([collection, { plural }]) => [
        collection,
        new ResilientInformer<KubernetesObject>({
          ...common,
          path: collectionPath(plural),
          list: () =>
            custom.listCustomObjectForAllNamespaces({ group: BGP_GROUP, version: BGP_VERSION, resourcePlural: plural }) as Promise<
              KubernetesListObject<KubernetesObject>
            >,
        }),
      ]),
    ) as Record<BgpCollection, ResilientInformer<KubernetesObject>>;
    this.secrets = new ResilientInformer<V1Secret>({ ...common, path: SECRETS_PATH, list: () => core.listSecretForAllNamespaces() });

    const collections = [...Object.entries(this.bgp), ['secrets', this.secrets]] as [CacheChange['collection'], ResilientInformer<KubernetesObject>][];
    for (const [collection, informer] of collections) {
      informer.onChange((type, object) => this.emit({ collection, type, object }));
      // A collection that lists empty sends no event, yet completes the snapshot.
      informer.onStateChange(() => this.emit({ collection, type: 'state' }));
    }
  }

  async start(): Promise<void> {
    await Promise.all([...this.informers()].map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers()].map((i) => i.stop()));
  }

  /**
   * True once every BGP collection has been listed and Secrets were tried. Before that a
   * snapshot would miss objects, and converging FRR to it would tear down sessions that
   * should stay up.
   */
  get synced(): boolean {
    return Object.values(this.bgp).every((i) => i.state === 'synced') && this.secrets.state !== 'pending';
  }

  onChange(listener: (change: CacheChange) => void): void {
    this.listeners.add(listener);
  }

  snapshot(): ApiSnapshot {
    const objects = Object.fromEntries(Object.entries(this.bgp).map(([collection, informer]) => [collection, informer.list()]));
    const secrets = this.secrets;
    return {
      ...(objects as unknown as BgpObjects),
      secrets: {
        state: secrets.state,
        reason: secrets.state === 'unavailable' ? secrets.lastError : undefined,
        get: (namespace, name) => secrets.get(namespace, name),
      },
    };
  }

  private *informers(): Iterable<ResilientInformer<KubernetesObject>> {
    yield* Object.values(this.bgp);
    yield this.secrets;
  }

  private emit(change: CacheChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
