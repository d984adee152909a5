// The lab itself: it leaves nothing behind, and cleans up after a run that died.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requireBinary } from '../../support/binaries.js';
import { FrrLab } from '../../support/frr-lab.js';

const ip = requireBinary('ip');

function namespaces(): string[] {
  return execFileSync(ip, ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}

describe('FRR lab', () => {
  it('tears down its namespaces, daemons and FRR directories', async () => {
    const lab = await FrrLab.start({ nodes: ['x'], links: [] });
    const ns = lab.ns('x');
    expect(namespaces()).toContain(ns);
    expect(await lab.vtysh('x', ['show daemons'])).toMatch(/zebra.*bgpd/);
    await lab.teardown();
    expect(namespaces()).not.toContain(ns);
    expect(existsSync(`/var/run/frr/${ns}`)).toBe(false);
    expect(existsSync(`/etc/frr/${ns}`)).toBe(false);
  });

  it('removes what a run that died left behind, and only that', async () => {
    // A pid that was just in use and is now gone.
    const deadPid = spawnSync('true').pid!;
    const stale = `cosmoslab-${deadPid}-dead-x`;
    const alive = `cosmoslab-${process.pid}-live-x`;
    for (const ns of [stale, alive]) {
      execFileSync(ip, ['netns', 'add', ns]);
      mkdirSync(`/var/run/frr/${ns}`, { recursive: true });
    }
    const lab = await FrrLab.start({ nodes: ['y'], links: [] });
    try {
      expect(namespaces()).not.toContain(stale);
      expect(existsSync(`/var/run/frr/${stale}`)).toBe(false);
      expect(namespaces()).toContain(alive);
    } finally {
      await lab.teardown();
      execFileSync(ip, ['netns', 'delete', alive]);
      execFileSync('rm', ['-rf', `/var/run/frr/${alive}`]);
    }
  });
});
