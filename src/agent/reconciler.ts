// The agent's loop. Any API change schedules a full pass (debounced, one at a time): the
// node's whole desired state is rebuilt from the caches, the runtime converges to it, and
// status is computed from what the runtime then reports. Between changes, an observe pass
// every second keeps status within a couple of seconds of reality, and sends the runtime
// back to the desired state when it has drifted (FRR restarted, a neighbor removed).
import type { Logger } from 'pino';
import type { BGPRouter } from '../api/types.generated.js';
import { refKey, type DesiredRouter, type ObjectRef, type Problem } from './desired-state.js';
import { buildDesiredState, type BuildResult } from './desired/build.js';
import { ribObject, type Rib } from './rib/types.js';
import type { RibRegistration } from './rib/registration.js';
import { RuntimeUnavailableError, type NodeObservation, type RoutingRuntime } from './runtime.js';
import { ownedStatus } from './status/compute.js';
import { NodeView } from './status/node-view.js';
import type { StatusWriter } from './status/writer.js';
import { describeApiError, statusCodeOf } from './watch/api-errors.js';
import type { ApiCaches } from './watch/caches.js';
import type { OwnWrites } from './watch/own-writes.js';

export interface ReconcilerOptions {
  nodeName: string;
  caches: ApiCaches;
  runtime: RoutingRuntime;
  status: StatusWriter;
  /** The agent's own writes, shared with the status writer and the RIB registration. */
  ownWrites: OwnWrites;
  registration?: RibRegistration;
  logger: Logger;
  /** Quiet time gathering a burst of changes into one pass. */
  debounceMs?: number;
  observeIntervalMs?: number;
  /** A full pass at least this often, even without changes. */
  resyncIntervalMs?: number;
}

type PassKind = 'full' | 'observe';

interface ApplyOutcome {
  problems: Problem[];
  runtimeError?: string;
  applyError?: string;
}

// A drift the runtime keeps showing must not turn into an apply every second.
const MIN_REPAIR_INTERVAL_MS = 2_000;

export class Reconciler {
  private pending: PassKind | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private lastBuild: BuildResult | undefined;
  private lastApply: ApplyOutcome | undefined;
  private lastObserveError: string | undefined;
  private lastFullPass = 0;

  constructor(private readonly opts: ReconcilerOptions) {}

  start(): void {
    this.stopped = false;
    this.opts.caches.onChange(() => this.trigger('full'));
    this.ticker = setInterval(() => this.trigger('observe'), this.opts.observeIntervalMs ?? 1_000);
    this.trigger('full');
  }

  /** Stops scheduling and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.ticker);
    clearTimeout(this.debounce);
    await this.running;
  }

  trigger(kind: PassKind): void {
    if (this.stopped) return;
    this.pending = this.pending === 'full' || kind === 'full' ? 'full' : 'observe';
    // Picked up by the scheduled run, or when the running pass ends.
    if (this.running || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.runPending();
    }, kind === 'full' ? (this.opts.debounceMs ?? 10) : 0);
  }

  /** A router's live RIB; undefined when the router is not this node's. */
  async rib(ref: ObjectRef): Promise<Rib | undefined> {
    const router = this.desiredRouter(ref);
    if (!router) return undefined;
    return ribObject(ref.namespace, ref.name, await this.opts.runtime.rib(router));
  }

  private desiredRouter(ref: ObjectRef): DesiredRouter | undefined {
    return this.lastBuild?.desired.routers.find((r) => refKey(r.ref) === refKey(ref));
  }

  private async runPending(): Promise<void> {
    while (this.pending && !this.stopped) {
      const kind = this.pending;
      this.pending = undefined;
      this.running = this.pass(kind).catch((err: unknown) => this.opts.logger.error({ err }, 'reconcile pass failed'));
      await this.running;
      this.running = undefined;
    }
  }

  private async pass(kind: PassKind): Promise<void> {
    const { caches, nodeName, runtime, logger } = this.opts;
    // Converging to a partial view would remove what the rest of the view still wants.
    if (!caches.synced) return;
    const snapshot = caches.snapshot();
    const build = buildDesiredState(snapshot, nodeName);
    this.lastBuild = build;

    const resync = Date.now() - this.lastFullPass >= (this.opts.resyncIntervalMs ?? 30_000);
    if (kind === 'full' || resync || !this.lastApply) {
      this.lastFullPass = Date.now();
      this.noteApply(await this.apply(build));
    }
    const apply = this.lastApply!;

    let observation: NodeObservation | undefined;
    let observeError: string | undefined;
    try {
      observation = await runtime.observe(build.desired);
    } catch (err) {
      observeError = (err as Error).message;
    }
    const runtimeError = observeError ?? apply.runtimeError;
    this.noteObserve(observeError);
    if (kind === 'observe' && !observeError && this.drifted(build, observation!)) {
      logger.info({ node: nodeName }, 'routing runtime drifted from the desired state; reapplying');
      this.trigger('full');
    }

    const view = new NodeView({
      now: new Date(),
      desired: build.desired,
      problems: [...build.problems, ...apply.problems],
      runtimeError,
      applyError: apply.applyError,
      observation,
      existingRouters: new Set(snapshot.routers.map((r) => `${r.metadata.namespace}/${r.metadata.name}`)),
    });
    await this.writeStatus(build, view);
    await this.opts.registration
      ?.register(build.subjects.filter((s) => s.ref.kind === 'BGPRouter').map((s) => s.object as BGPRouter))
      .catch((err: unknown) => logger.warn({ err: describeApiError(err) }, 'RIB endpoint registration failed'));
  }

  private async apply(build: BuildResult): Promise<ApplyOutcome> {
    try {
      const { problems } = await this.opts.runtime.apply(build.desired);
      return { problems };
    } catch (err) {
      const message = (err as Error).message;
      return err instanceof RuntimeUnavailableError ? { problems: [], runtimeError: message } : { problems: [], applyError: message };
    }
  }

  /** Logs an apply only when its outcome differs from the previous one. */
  private noteApply(outcome: ApplyOutcome): void {
    const previous = this.lastApply;
    this.lastApply = outcome;
    const { logger, nodeName } = this.opts;
    if (outcome.runtimeError && outcome.runtimeError !== previous?.runtimeError) {
      logger.warn({ node: nodeName, err: outcome.runtimeError }, 'routing runtime unavailable');
    } else if (outcome.applyError && outcome.applyError !== previous?.applyError) {
      logger.warn({ node: nodeName, err: outcome.applyError }, 'routing runtime refused the configuration');
    } else if (!outcome.runtimeError && !outcome.applyError && (!previous || previous.runtimeError || previous.applyError)) {
      logger.info({ node: nodeName, routers: this.lastBuild?.desired.routers.map((r) => refKey(r.ref)) }, 'configuration applied');
    }
  }

  private noteObserve(error: string | undefined): void {
    const previous = this.lastObserveError;
    this.lastObserveError = error;
    const { logger, nodeName } = this.opts;
    if (error && error !== previous) logger.warn({ node: nodeName, err: error }, 'routing runtime cannot be observed');
    else if (!error && previous) logger.info({ node: nodeName }, 'routing runtime observed again');
  }

  /** The runtime answers again after it did not, or lacks a desired router or neighbor. */
  private drifted(build: BuildResult, observation: NodeObservation): boolean {
    if (Date.now() - this.lastFullPass < MIN_REPAIR_INTERVAL_MS) return false;
    if (this.lastApply?.runtimeError) return true;
    return build.desired.routers.some((router) => {
      const observed = observation.routers.find((r) => refKey(r.ref) === refKey(router.ref));
      return !observed || router.peers.some((p) => !observed.sessions.some((s) => s.address === p.address));
    });
  }

  private async writeStatus(build: BuildResult, view: NodeView): Promise<void> {
    const { status, logger } = this.opts;
    for (const cached of build.subjects) {
      // Status is computed on the version this agent last wrote when the cache lags behind it.
      const subject = { ...cached, object: this.opts.ownWrites.latest(cached.object) };
      try {
        await status.write(subject.ref, subject.object, ownedStatus(subject, view));
      } catch (err) {
        // Deleted since the snapshot: nothing to report on.
        if (statusCodeOf(err) === 404) continue;
        logger.warn({ kind: subject.ref.kind, namespace: subject.ref.namespace, name: subject.ref.name, err: describeApiError(err) }, 'status write failed');
      }
    }
  }
}
