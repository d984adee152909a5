// kill -9 of the apiserver while clients allocate: after a restart no address is held
// twice, no owner is left half-written (holding one family of two), every acknowledged
// allocation is still there, and every owner gets the same addresses when it asks again.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../storage/interface.js';
import { EmbeddedStorage } from '../../storage/embedded/index.js';
import { EtcdStorage } from '../../storage/etcd.js';
import { audit, type AuditResult } from '../ipam/support.js';
import { startApiServer, type Backend, type RunningApiServer } from '../support/apiserver.js';
import { allocate, createVpc, eventually, freshNamespace, granted, read, vpcsPath } from './support.js';

const WORKERS = 16;
const ACKS_BEFORE_KILL = 150;

/** The audit of IPAM's keys, read from storage itself (the embedded store only while the server is down). */
async function auditStorage(server: RunningApiServer, ns: string): Promise<AuditResult> {
  const storage: Storage =
    server.backend === 'etcd'
      ? new EtcdStorage({ endpoints: [server.etcd!.endpoint], prefix: '/cosmos' })
      : await EmbeddedStorage.open(join(server.dataDir, 'store'));
  try {
    return await audit(storage, ns, 'v1');
  } finally {
    await storage.close();
  }
}

describe.each<Backend>(['etcd', 'embedded'])('kill -9 of the apiserver during allocation on the %s store', (backend) => {
  let server: RunningApiServer;

  beforeAll(async () => {
    server = await startApiServer({ backend });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('leaves no address held twice and no owner half-written, and loses nothing acknowledged', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/16', 'fd00:20::/64']);
    const acked = new Map<string, string[]>();
    /** Asked for when the server died: they hold everything they asked for, or nothing. */
    const cut = new Set<string>();
    let killed: Promise<void> | undefined;
    const worker = async (w: number) => {
      for (let n = 0; ; n++) {
        const owner = `VirtualMachine/w${w}-${n}`;
        let res;
        try {
          res = await allocate(server, ns, 'v1', { owner });
        } catch {
          cut.add(owner);
          return;
        }
        if (res.status !== 201) {
          if (killed) return cut.add(owner);
          throw new Error(`allocation refused before the kill: ${res.status} ${res.body}`);
        }
        acked.set(owner, granted(res));
        if (acked.size === ACKS_BEFORE_KILL) killed = server.kill();
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    await killed;
    expect(acked.size).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);

    const afterCrash = await auditStorage(server, ns);
    expect(afterCrash.problems).toEqual([]);
    for (const [owner, addresses] of acked) expect(afterCrash.owners.get(owner), owner).toEqual(addresses);
    for (const owner of cut) expect([0, 2]).toContain(afterCrash.owners.get(owner)?.length ?? 0);
    expect(afterCrash.holders.size).toBe(2 * afterCrash.owners.size);

    await server.restart();
    for (const [owner, addresses] of acked) {
      const again = await allocate(server, ns, 'v1', { owner });
      expect(again.status, owner).toBe(200);
      expect(granted(again)).toEqual(addresses);
    }
    for (const owner of cut) {
      const again = await allocate(server, ns, 'v1', { owner });
      expect(granted(again)).toHaveLength(2);
      const held = afterCrash.owners.get(owner);
      if (held) expect(granted(again)).toEqual(held);
    }
    const owners = acked.size + cut.size;
    // The restarted server's status controller counts them all.
    await eventually(() => read(server, vpcsPath(ns, 'v1')), (v) => v.status?.networks?.[0]?.allocated === owners);

    if (backend === 'embedded') await server.kill();
    const final = await auditStorage(server, ns);
    expect(final.problems).toEqual([]);
    expect(final.owners.size).toBe(owners);
    expect(final.holders.size).toBe(2 * owners);
  });
});
