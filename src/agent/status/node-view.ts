// Everything one reconcile learned about the node, indexed for the status computations:
// the desired state, the problems found building and applying it, and what the runtime
// reported (or why it could not be asked).
import { refKey, type DesiredNodeState, type DesiredRouter, type ObjectRef, type Problem } from '../desired-state.js';
import type { NodeObservation, RouterObservation, SessionObservation } from '../runtime.js';

export interface NodeViewInputs {
  now: Date;
  desired: DesiredNodeState;
  problems: readonly Problem[];
  /** Set when the runtime did not answer (apply or observe). */
  runtimeError?: string;
  /** Set when the runtime answered but refused the configuration. */
  applyError?: string;
  observation?: NodeObservation;
  /** `namespace/name` of every BGPRouter that exists, whichever node runs it. */
  existingRouters: ReadonlySet<string>;
}

export class NodeView {
  readonly now: Date;
  readonly runtimeError: string | undefined;
  readonly applyError: string | undefined;
  private readonly existingRouters: ReadonlySet<string>;
  private readonly routers: Map<string, DesiredRouter>;
  private readonly observed: Map<string, RouterObservation>;
  private readonly problems: Map<string, Problem[]>;

  constructor(inputs: NodeViewInputs) {
    this.now = inputs.now;
    this.runtimeError = inputs.runtimeError;
    this.applyError = inputs.applyError;
    this.existingRouters = inputs.existingRouters;
    this.routers = new Map(inputs.desired.routers.map((r) => [refKey(r.ref), r]));
    this.observed = new Map((inputs.observation?.routers ?? []).map((r) => [refKey(r.ref), r]));
    this.problems = new Map();
    for (const problem of inputs.problems) {
      const id = objectId(problem.object);
      this.problems.set(id, [...(this.problems.get(id) ?? []), problem]);
    }
  }

  router(namespace: string, name: string): DesiredRouter | undefined {
    return this.routers.get(`${namespace}/${name}`);
  }

  routerExists(namespace: string, name: string): boolean {
    return this.existingRouters.has(`${namespace}/${name}`);
  }

  observedRouter(namespace: string, name: string): RouterObservation | undefined {
    return this.observed.get(`${namespace}/${name}`);
  }

  session(router: DesiredRouter, address: string): SessionObservation | undefined {
    return this.observed.get(refKey(router.ref))?.sessions.find((s) => s.address === address);
  }

  problemsOf(ref: ObjectRef): Problem[] {
    return this.problems.get(objectId(ref)) ?? [];
  }

  /** Why the runtime does not run this router's configuration as desired, if it does not. */
  configFailure(router: DesiredRouter): { reason: string; message: string } | undefined {
    if (this.runtimeError) return { reason: 'RuntimeUnavailable', message: this.runtimeError };
    if (this.applyError) return { reason: 'ApplyFailed', message: this.applyError };
    if (!this.observed.has(refKey(router.ref))) return { reason: 'NotConfigured', message: 'the routing runtime does not run this router' };
    return undefined;
  }
}

function objectId(ref: ObjectRef): string {
  return `${ref.kind}/${refKey(ref)}`;
}
