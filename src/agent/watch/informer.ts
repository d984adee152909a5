// One resource's list+watch cache, on client-node's ListWatch (list, watch from the
// list's resourceVersion, resume from the last seen resourceVersion, relist on 410 Gone).
// ListWatch gives up on any other error; an agent must not, so this supervisor restarts
// it with capped back-off and keeps the last known objects meanwhile: while the API
// server is away, the node keeps routing with what it knew.
import { makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeApiError, statusCodeOf } from './api-errors.js';

/**
 * `pending`: no attempt to list has finished yet. `synced`: listed at least once (the
 * cache may lag while reconnecting). `unavailable`: never listed, the last attempt failed
 * (`lastError` says why), e.g. Secrets on a standalone Cosmos API server, which does not
 * serve the core API.
 */
export type InformerState = 'pending' | 'synced' | 'unavailable';

export type ChangeType = 'added' | 'modified' | 'deleted';

export interface InformerOptions<T extends KubernetesObject> {
  kubeconfig: KubeConfig;
  /** Collection path across all namespaces, e.g. `/apis/bgp.miloapis.com/v1alpha1/bgppeers`. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  logger: Logger;
  retryDelayMs?: { initial: number; max: number };
}

const DEFAULT_RETRY = { initial: 500, max: 30_000 };

export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer;
  private readonly listeners = new Set<(type: ChangeType, object: T) => void>();
  private readonly stateListeners = new Set<() => void>();
  private readonly retry: { initial: number; max: number };
  private delayMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private stopped = true;
  private currentState: InformerState = 'pending';
  private error: string | undefined;

  constructor(private readonly opts: InformerOptions<T>) {
    this.retry = opts.retryDelayMs ?? DEFAULT_RETRY;
    this.delayMs = this.retry.initial;
    this.informer = makeInformer<T>(opts.kubeconfig, opts.path, opts.list);
    this.informer.on('add', (o) => this.emit('added', o));
    this.informer.on('update', (o) => this.emit('modified', o));
    this.informer.on('delete', (o) => this.emit('deleted', o));
    this.informer.on('error', (err) => this.onError(err));
  }

  get state(): InformerState {
    return this.currentState;
  }

  /** Why the last list or watch failed, while it has not succeeded since. */
  get lastError(): string | undefined {
    return this.error;
  }

  /** Resolves after the first attempt to list, whatever its outcome (see `state`). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    // A watch request still being opened would otherwise outlive stop().
    await this.starting;
    await this.informer.stop();
  }

  list(): T[] {
    return [...this.informer.list()];
  }

  get(namespace: string, name: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  onChange(listener: (type: ChangeType, object: T) => void): void {
    this.listeners.add(listener);
  }

  /** Called when `state` changes. */
  onStateChange(listener: () => void): void {
    this.stateListeners.add(listener);
  }

  private async attempt(): Promise<void> {
    let failed = false;
    const markFailed = (): void => {
      failed = true;
    };
    this.informer.on('error', markFailed);
    this.starting = this.informer.start();
    try {
      await this.starting;
    } finally {
      this.starting = undefined;
      this.informer.off('error', markFailed);
    }
    // start() resolves once the list is in and the watch is open, or after an error.
    if (!failed && !this.stopped) {
      this.delayMs = this.retry.initial;
      this.error = undefined;
      this.setState('synced');
    }
  }

  private onError(err: unknown): void {
    const code = statusCodeOf(err);
    this.error = describeApiError(err);
    if (this.currentState === 'pending') this.setState('unavailable');
    if (this.stopped) return;
    // Not served or forbidden will not fix itself soon: ask again at the slowest pace.
    const delay = code === 404 || code === 403 ? this.retry.max : this.delayMs;
    this.opts.logger.warn({ path: this.opts.path, err: this.error, retryInMs: delay }, 'list/watch failed');
    this.delayMs = Math.min(this.delayMs * 2, this.retry.max);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.attempt(), delay);
  }

  private emit(type: ChangeType, object: T): void {
    this.opts.logger.debug({ path: this.opts.path, type, namespace: object.metadata?.namespace, name: object.metadata?.name }, 'watch event');
    for (const listener of this.listeners) listener(type, object);
  }

  private setState(state: InformerState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    for (const listener of this.stateListeners) listener();
  }
}
