// A BGPPeer as one router's session: runtime timer defaults applied, the MD5 password
// read from its Secret. A peer whose password cannot be read is left out (failing closed:
// a session meant to be authenticated must not come up without it) and reported.
import { Buffer } from 'node:buffer';
import type { BGPPeer } from '../../api/types.generated.js';
import { ProblemReason, secretValue, type DesiredPeer, type ObjectRef, type Problem, type SecretValue } from '../desired-state.js';
import type { SecretView } from '../watch/caches.js';
import { parseGoDurationSeconds } from './duration.js';
import { AgentReason } from './reasons.js';
import { withoutUndefined } from './without-undefined.js';

export const DEFAULT_HOLD_SECONDS = 90;
export const DEFAULT_KEEPALIVE_SECONDS = 30;
export const SECRET_PASSWORD_KEY = 'password';

export interface PeerContext {
  ref: ObjectRef;
  secrets: SecretView;
  /** The policy with this name in the peer's namespace, if any. */
  policyRef(name: string): ObjectRef | undefined;
}

export function desiredPeer(peer: BGPPeer, ctx: PeerContext): { peer?: DesiredPeer; problems: Problem[] } {
  const spec = peer.spec!;
  const problems: Problem[] = [];
  const problem = (reason: string, message: string, field: string): void => {
    problems.push({ object: ctx.ref, reason, message, field });
  };

  const holdTimeSeconds = timerSeconds(spec.holdTime, DEFAULT_HOLD_SECONDS, 'spec.holdTime', problem);
  // RFC 4271 suggests a keepalive of a third of the hold time; 30 s matches the 90 s default.
  const keepaliveDefault = spec.holdTime === undefined ? DEFAULT_KEEPALIVE_SECONDS : Math.floor(holdTimeSeconds / 3);
  const keepaliveSeconds = timerSeconds(spec.keepaliveTime, keepaliveDefault, 'spec.keepaliveTime', problem);

  const policy = (name: string | undefined, field: string): ObjectRef | undefined => {
    if (!name) return undefined;
    const found = ctx.policyRef(name);
    if (!found) problem(ProblemReason.PolicyNotFound, `BGPPolicy ${ctx.ref.namespace}/${name} does not exist`, field);
    // A dangling reference is kept so that the renderer fails closed on it.
    return found ?? { kind: 'BGPPolicy', namespace: ctx.ref.namespace, name };
  };
  const importPolicy = policy(spec.routeMapIn, 'spec.routeMapIn');
  const exportPolicy = policy(spec.routeMapOut, 'spec.routeMapOut');

  const password = spec.authSecretRef ? secretPassword(spec.authSecretRef.name, ctx, problem) : passwordOf(spec.authentication?.password);
  if (spec.authSecretRef && !password) return { problems };

  const desired: DesiredPeer = {
    ref: ctx.ref,
    address: spec.address,
    peerASN: spec.peerASN,
    description: spec.description,
    addressFamilies: spec.addressFamilies.map(({ afi, safi }) => ({ afi, safi })),
    holdTimeSeconds,
    keepaliveSeconds,
    password,
    ebgpMultiHop: spec.ebgpMultiHop,
    nextHopSelf: spec.nextHopSelf,
    removePrivateAS: spec.removePrivateAS,
    defaultOriginate: spec.defaultOriginRoute as DesiredPeer['defaultOriginate'],
    bfd:
      spec.bfd &&
      withoutUndefined({
        enabled: spec.bfd.enabled ?? false,
        detectMultiplier: spec.bfd.detectMultiplier,
        minimumRxMicros: spec.bfd.minimumRx,
        minimumTxMicros: spec.bfd.minimumTx,
        multiHop: spec.bfd.multiHop,
      }),
    gracefulRestart:
      spec.gracefulRestart && withoutUndefined({ enabled: spec.gracefulRestart.enabled, restartTimeSeconds: spec.gracefulRestart.restartTime }),
    multiSession: spec.multiSession,
    importPolicy,
    exportPolicy,
  };
  return { peer: withoutUndefined(desired), problems };
}

function timerSeconds(
  value: string | undefined,
  fallback: number,
  field: string,
  problem: (reason: string, message: string, field: string) => void,
): number {
  if (value === undefined) return fallback;
  const seconds = parseGoDurationSeconds(value);
  if (seconds === undefined) {
    problem(ProblemReason.InvalidTimers, `${field}: ${JSON.stringify(value)} is not a duration`, field);
    return fallback;
  }
  return seconds;
}

function secretPassword(
  name: string,
  ctx: PeerContext,
  problem: (reason: string, message: string, field: string) => void,
): SecretValue | undefined {
  const field = 'spec.authSecretRef.name';
  const id = `${ctx.ref.namespace}/${name}`;
  if (ctx.secrets.state !== 'synced') {
    problem(AgentReason.SecretNotFound, `Secret ${id} cannot be read: ${ctx.secrets.reason ?? 'Secrets are not readable yet'}`, field);
    return undefined;
  }
  const secret = ctx.secrets.get(ctx.ref.namespace, name);
  if (!secret) {
    problem(AgentReason.SecretNotFound, `Secret ${id} not found`, field);
    return undefined;
  }
  const encoded = secret.data?.[SECRET_PASSWORD_KEY];
  if (encoded === undefined) {
    problem(AgentReason.SecretNotFound, `Secret ${id} has no key ${JSON.stringify(SECRET_PASSWORD_KEY)}`, field);
    return undefined;
  }
  return secretValue(Buffer.from(encoded, 'base64').toString('utf8'));
}

function passwordOf(plain: string | undefined): SecretValue | undefined {
  return plain ? secretValue(plain) : undefined;
}
