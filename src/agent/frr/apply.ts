// Applies a rendered configuration to a running FRR without disturbing what did not
// change: read the running configuration, compute the delta over the part the agent owns
// (ownership.ts) and send only that through one vtysh session.
//
// Why a delta computed here and not frr-reload.py: frr-reload computes the same kind of
// delta, but it is a Python process that takes ~0.6 s on these machines for a small
// configuration (this module takes ~0.1 s), and it would remove everything not in the
// file it is given, while the agent must leave configuration it does not own alone.
//
// vtysh stops at the first command FRR refuses, with the ones before it in effect; the
// apply then sends the delta back to the configuration that ran before, so a failed
// apply leaves the last good configuration running, and reports FRR's words.
//
// bgpd acts on changes to route-maps and the lists they use only when its route-map
// delay timer fires (5 s by default), far beyond the agent's latency goal. Setting the
// timer to 0 runs the pending update at once (and, left at 0, would disable updates), so
// an apply that touched them sets it to 0 and back to what it was.
//
// Callers serialize applies to one FRR: the rollback assumes nobody else changes the
// agent's part in between.
import type { ConfigNode } from './config-tree.js';
import { parseConfig } from './config-tree.js';
import { configDelta } from './delta.js';
import { isOwned } from './ownership.js';
import { redactSecrets } from './render.js';
import { vtysh, VtyshError, type VtyshTarget } from './vtysh.js';

export interface ApplyResult {
  /** FRR runs the desired configuration (the part the agent owns). */
  ok: boolean;
  /** The commands sent, passwords redacted; empty when nothing differed. */
  commands: string[];
  /** Why not: FRR's words, passwords redacted. */
  error?: string;
}

export async function runningConfig(target: VtyshTarget): Promise<ConfigNode[]> {
  return parseConfig(await vtysh(target, ['show running-config']));
}

export async function applyFrrConfig(target: VtyshTarget, desiredConfig: string): Promise<ApplyResult> {
  const desired = parseConfig(desiredConfig);
  let before: ConfigNode[];
  try {
    before = await runningConfig(target);
  } catch (err) {
    return { ok: false, commands: [], error: redactSecrets((err as Error).message) };
  }
  const delta = configDelta(before, desired, isOwned);
  if (!delta.length) return { ok: true, commands: [] };
  const commands = delta.map(redactSecrets);

  let after: ConfigNode[];
  try {
    after = await send(target, delta, before);
  } catch (err) {
    const error = redactSecrets((err as Error).message);
    const rollback = await restore(target, before);
    return { ok: false, commands, error: rollback ? `${error}; restoring the previous configuration failed too: ${rollback}` : error };
  }

  // FRR can accept a line and not keep it (a default it does not print, a value it
  // normalizes): the configuration is only applied when nothing is left to send.
  const left = configDelta(after, desired, isOwned);
  if (left.length) return { ok: false, commands, error: `FRR did not keep: ${left.map(redactSecrets).join(' | ')}` };
  return { ok: true, commands };
}

const POLICY_COMMAND = /^(no )?(route-map |(ip|ipv6) prefix-list |bgp \S+-list |bgp as-path access-list |mac access-list )/;
const DELAY_TIMER = /^bgp route-map delay-timer \d+$/;

const RUNNING_CONFIG_BANNER = 'Building configuration...';

/**
 * Sends a delta computed from `running`, has bgpd act on changed policies at once, and
 * returns the running configuration after it (read in the same vtysh session).
 */
async function send(target: VtyshTarget, delta: readonly string[], running: readonly ConfigNode[]): Promise<ConfigNode[]> {
  const configuredTimer = running.find((n) => DELAY_TIMER.test(n.line))?.line;
  const flush = delta.some((c) => POLICY_COMMAND.test(c)) ? ['bgp route-map delay-timer 0', configuredTimer ?? 'no bgp route-map delay-timer'] : [];
  const output = await vtysh(target, ['configure terminal', ...delta, ...flush, 'end', 'show running-config']);
  // What comes before the banner is FRR's remarks on the commands (e.g. that a peer
  // needs a reset for graceful restart to change), not configuration.
  const banner = output.indexOf(RUNNING_CONFIG_BANNER);
  if (banner < 0) throw new VtyshError(`vtysh printed no running configuration after applying: ${output.slice(0, 200)}`, output, false);
  return parseConfig(output.slice(banner));
}

/** Sends the delta back to `previous`; returns why that failed, if it did. */
async function restore(target: VtyshTarget, previous: ConfigNode[]): Promise<string | undefined> {
  try {
    const running = await runningConfig(target);
    const back = configDelta(running, previous, isOwned);
    if (back.length) await send(target, back, running);
    return undefined;
  } catch (err) {
    return redactSecrets((err as Error).message);
  }
}
