// BGPPeer status. Each router the peer applies to has a session; this node writes one
// status.routers[] entry per router of its own (sessionState, lastEstablishedTime, Ready,
// Accepted), and the summary fields over all routers' entries: the least advanced
// sessionState, the latest lastEstablishedTime, Ready and Accepted when they hold on all.
//
// Ready follows the session state as the Cosmos API reference says: True only when
// Established; otherwise False with the FSM state as reason, and for Idle one of BackOff,
// ConnectionRefused, HoldTimerExpired or Idle.
import type { BGPPeer } from '../../api/types.generated.js';
import { refKey } from '../desired-state.js';
import type { Subject } from '../desired/build.js';
import { SESSION_STATES, type SessionObservation, type SessionState } from '../runtime.js';
import { acceptedCondition } from './accepted.js';
import { condition, datedConditions, rfc3339, type ConditionState } from './conditions.js';
import type { NodeView } from './node-view.js';
import type { OwnedStatus } from './patch.js';
import { combineEntries, summaryCondition, type EntryWithConditions } from './router-entries.js';

interface PeerEntry extends EntryWithConditions {
  sessionState?: SessionState;
  lastEstablishedTime?: string;
}

// A runtime derives "established since" from an uptime counter; a second either way is
// the same event, not a new one worth a write.
const ESTABLISHED_TIME_TOLERANCE_MS = 2_000;

export function peerStatus(subject: Subject, view: NodeView): OwnedStatus {
  const peer = subject.object as BGPPeer;
  const generation = peer.metadata.generation;
  const problems = view.problemsOf(subject.ref);
  const current = (peer.status as { routers?: PeerEntry[] } | undefined)?.routers ?? [];
  // A peer of a single router says in its summary what its one entry would: that is the
  // previous state to compare with where the server keeps no entries.
  const summaryAsEntry = (routerName: string): PeerEntry | undefined =>
    subject.routers.length === 1 && peer.status ? { routerName, ...peer.status, conditions: peer.status.conditions ?? [] } as PeerEntry : undefined;
  const mine = subject.routers.map((routerName) =>
    peerEntry(subject, routerName, view, current.find((e) => e.routerName === routerName) ?? summaryAsEntry(routerName)),
  );
  const { all, remove } = combineEntries(subject, view, mine);
  // Only cleaning up entries of routers that moved away: the summary is for others to keep.
  if (!mine.length && !problems.length) return { fields: {}, conditions: [], routers: { entries: [], remove } };

  const summary: ConditionState[] = all.length
    ? [summaryCondition('Ready', all), summaryCondition('Accepted', all)]
    : [condition('Ready', false, problems[0]!.reason, problems[0]!.message), acceptedCondition(problems, undefined)];
  const states = all.map((e) => e.sessionState).filter((s): s is SessionState => s !== undefined);
  const times = all.map((e) => e.lastEstablishedTime).filter((t): t is string => t !== undefined);
  return {
    fields: {
      sessionState: states.length ? leastAdvanced(states) : null,
      lastEstablishedTime: times.length ? times.sort().at(-1) : (peer.status?.lastEstablishedTime ?? null),
      observedGeneration: generation ?? null,
    },
    conditions: datedConditions(summary, peer.status?.conditions, generation, view.now),
    routers: { entries: mine, remove },
  };
}

function peerEntry(subject: Subject, routerName: string, view: NodeView, previous: PeerEntry | undefined): PeerEntry {
  const peer = subject.object as BGPPeer;
  const router = view.router(subject.ref.namespace, routerName)!;
  const desired = router.peers.find((p) => refKey(p.ref) === refKey(subject.ref));
  const failure = view.configFailure(router);
  const accepted = acceptedCondition(view.problemsOf(subject.ref), failure);
  const session = desired && !failure ? view.session(router, desired.address) : undefined;

  let ready: ConditionState;
  if (!desired) ready = condition('Ready', false, accepted.reason, `not configured: ${accepted.message}`);
  else if (failure) ready = { type: 'Ready', status: failure.reason === 'RuntimeUnavailable' ? 'Unknown' : 'False', ...failure };
  else if (!session) ready = condition('Ready', false, 'NotConfigured', 'the routing runtime has no such neighbor');
  else ready = sessionReady(session);

  const lastEstablishedTime = establishedTime(session, previous, view.now);
  return {
    routerName,
    ...(session ? { sessionState: session.state } : {}),
    ...(lastEstablishedTime ? { lastEstablishedTime } : {}),
    conditions: datedConditions([ready, accepted], previous?.conditions, peer.metadata.generation, view.now),
  };
}

const STATE_MESSAGES: Record<Exclude<SessionState, 'Idle'>, string> = {
  Established: 'the BGP session is Established',
  OpenConfirm: 'OPEN messages exchanged, waiting for KEEPALIVE',
  OpenSent: 'OPEN sent, waiting for the peer’s OPEN',
  Active: 'trying to establish the TCP connection',
  Connect: 'waiting for the TCP connection to complete',
};

function sessionReady(session: SessionObservation): ConditionState {
  if (session.state !== 'Idle') return condition('Ready', session.state === 'Established', session.state, STATE_MESSAGES[session.state]);
  const why = [session.lastNotification, session.lastResetReason].filter(Boolean).join('; ');
  return condition('Ready', false, idleReason(session), why ? `the session is Idle: ${why}` : 'the session is Idle');
}

function idleReason(session: SessionObservation): string {
  const why = `${session.lastNotification ?? ''} ${session.lastResetReason ?? ''}`;
  if (/hold timer/i.test(why)) return 'HoldTimerExpired';
  if (/refused/i.test(why)) return 'ConnectionRefused';
  // FRR words a neighbor that never came up as a reset "Waiting for …" (NHT, peer OPEN):
  // nothing failed yet. Any other reset means the runtime waits before trying again.
  const reset = session.lastResetReason && !/^waiting for/i.test(session.lastResetReason);
  return reset || session.lastNotification ? 'BackOff' : 'Idle';
}

function establishedTime(session: SessionObservation | undefined, previous: PeerEntry | undefined, now: Date): string | undefined {
  const kept = previous?.lastEstablishedTime;
  if (session?.establishedSince) {
    const since = session.establishedSince;
    if (kept && Math.abs(Date.parse(kept) - since.getTime()) <= ESTABLISHED_TIME_TOLERANCE_MS) return kept;
    return rfc3339(since);
  }
  // Established now without a time from the runtime: the transition is now, unless we saw it already.
  if (session?.state === 'Established' && (previous?.sessionState !== 'Established' || !kept)) return rfc3339(now);
  return kept;
}

function leastAdvanced(states: SessionState[]): SessionState {
  return states.reduce((a, b) => (SESSION_STATES.indexOf(b) < SESSION_STATES.indexOf(a) ? b : a));
}
