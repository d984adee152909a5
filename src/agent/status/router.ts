// BGPRouter status: phase, peer counts and the conditions of the Cosmos API reference
// (Ready, RuntimeAvailable, ConfigApplied, Degraded, PeersEstablished).
import type { BGPRouter } from '../../api/types.generated.js';
import { refKey } from '../desired-state.js';
import type { Subject } from '../desired/build.js';
import { condition, datedConditions, type ConditionState } from './conditions.js';
import type { NodeView } from './node-view.js';
import type { OwnedStatus } from './patch.js';
import { describeProblems } from './accepted.js';

export function routerStatus(subject: Subject, view: NodeView): OwnedStatus {
  const router = subject.object as BGPRouter;
  const desired = view.router(subject.ref.namespace, subject.ref.name)!;
  const problems = view.problemsOf(subject.ref);
  const failure = view.configFailure(desired);

  const runtime = view.runtimeError
    ? condition('RuntimeAvailable', false, 'RuntimeUnavailable', view.runtimeError)
    : condition('RuntimeAvailable', true, 'RuntimeAvailable', 'the routing runtime answers');
  // The router's own problems first (as for Accepted on other kinds): they say what to fix.
  const config: ConditionState = problems.length
    ? condition('ConfigApplied', false, problems[0]!.reason, `not applied as specified: ${describeProblems(problems)}`)
    : failure
      ? condition('ConfigApplied', false, failure.reason, failure.message)
      : condition('ConfigApplied', true, 'ConfigApplied', 'the configuration is applied');

  const states = desired.peers.map((peer) => ({ peer, state: view.session(desired, peer.address)?.state }));
  const down = states.filter((s) => s.state !== 'Established');
  const total = states.length;
  const established = total - down.length;
  // Names only: sessions cycle through Connect and Active while down, and each step
  // would otherwise be a status write.
  const downList = down.map((s) => refKey(s.peer.ref)).join(', ');
  const peersEstablished =
    total === 0
      ? condition('PeersEstablished', false, 'NoPeers', 'no peers are configured')
      : down.length
        ? condition('PeersEstablished', false, 'PeersNotEstablished', `${established}/${total} peers Established; not: ${downList}`)
        : condition('PeersEstablished', true, 'AllPeersEstablished', `${established}/${total} peers Established`);
  const degraded = down.length
    ? condition('Degraded', true, 'PeersNotEstablished', `${down.length}/${total} peers not Established: ${downList}`)
    : condition('Degraded', false, peersEstablished.reason, peersEstablished.message);
  const notReady = [runtime, config].find((c) => c.status !== 'True');
  const ready = notReady
    ? condition('Ready', false, notReady.reason, notReady.message)
    : condition('Ready', true, 'Ready', 'the router runs and accepts routing intent');

  const phase = ready.status === 'True' ? 'Ready' : view.applyError || problems.length ? 'Failed' : 'Pending';
  const generation = router.metadata.generation;
  const current = router.status?.conditions;
  return {
    fields: { phase, peers: { total, established }, observedGeneration: generation ?? null },
    conditions: datedConditions([ready, runtime, config, degraded, peersEstablished], current, generation, view.now),
  };
}
