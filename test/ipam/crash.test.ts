// kill -9 an allocating process: afterwards no address is held twice, no address key is
// left without its owner's record (or the other way round), every acknowledged allocation
// is still there, and the owners get the same addresses again from a fresh allocator.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ipam } from '../../src/ipam/ipam.js';
import { audit, etcdBackend, freshNamespace, vpc } from './support.js';

const repoRoot = new URL('../..', import.meta.url).pathname;
const tsx = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
const allocatorScript = new URL('./fixtures/allocator.ts', import.meta.url).pathname;
const NETWORKS = ['10.20.0.0/16', 'fd00:20::/64'];

interface Reported {
  acked: Map<string, string[]>;
  /** Owners whose release was asked for; absent from `acked` once it was acknowledged. */
  releasing: Set<string>;
  released: Set<string>;
}

/** Runs the allocator until it has acknowledged `acks` allocations, then kill -9s it. */
async function allocateAndKill(endpoint: string, namespace: string, tag: string, acks: number): Promise<Reported> {
  // Its own process group: tsx runs the script in a child of its own, and the whole group
  // must die at once, as a machine losing power would take it.
  const child = spawn(tsx, [allocatorScript, endpoint, namespace, tag, NETWORKS.join(',')], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', killGroup);
  const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const reported: Reported = { acked: new Map(), releasing: new Set(), released: new Set() };
  let count = 0;
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const [word, owner, addresses] = line.split(' ');
      if (word === 'ack') {
        reported.acked.set(owner!, addresses!.split(','));
        if (++count === acks) killGroup();
      } else if (word === 'releasing') {
        reported.releasing.add(owner!);
      } else if (word === 'released') {
        reported.releasing.delete(owner!);
        reported.acked.delete(owner!);
        reported.released.add(owner!);
      }
    }
  });
  const signal = await closed;
  process.off('exit', killGroup);
  if (count < acks) throw new Error(`the allocator ended after ${count} of ${acks} acks: ${stderr}`);
  expect(signal).toBe('SIGKILL');
  return reported;
}

describe('IPAM under kill -9 on etcd', () => {
  const backend = etcdBackend();
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());

  it.each([
    ['early', 40],
    ['mid-stream', 300],
    ['late', 800],
  ])('leaves storage consistent and loses no acknowledged allocation when killed %s', async (tag, acks) => {
    const ns = freshNamespace();
    const reported = await allocateAndKill(backend.endpoint(), ns, tag, acks);
    const storage = backend.client();

    const after = await audit(storage, ns, 'v1');
    expect(after.problems).toEqual([]);
    for (const [owner, addresses] of reported.acked) {
      // A release asked for but not acknowledged may or may not have happened.
      if (reported.releasing.has(owner) && !after.owners.has(owner)) continue;
      expect(after.owners.get(owner), owner).toEqual(addresses);
    }
    for (const owner of reported.released) expect(after.owners.has(owner), owner).toBe(false);

    // A fresh allocator (the restarted apiserver): every owner gets what it held, and owners
    // whose allocation was cut short get one now, with the audit still clean.
    const restarted = new Ipam(storage);
    try {
      const v = vpc('v1', NETWORKS);
      await Promise.all(
        [...after.owners].map(async ([owner, addresses]) => {
          expect(await restarted.allocate({ namespace: ns, vpc: v, owner })).toMatchObject({ addresses, created: false });
        }),
      );
      const interrupted = Array.from({ length: 16 }, (_, w) => `VirtualMachine/${tag}-w${w}-interrupted`);
      await Promise.all(interrupted.map((owner) => restarted.allocate({ namespace: ns, vpc: v, owner })));
      const final = await audit(storage, ns, 'v1');
      expect(final.problems).toEqual([]);
      expect(final.owners.size).toBe(after.owners.size + 16);
    } finally {
      restarted.close();
    }
  });
});
