// The golden configurations applied, one after the other, to a real FRR: each is
// accepted, FRR prints back exactly what was rendered (applying again sends nothing),
// and configuration the agent does not own survives every change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFrrConfig, runningConfig } from '../../../src/agent/frr/apply.js';
import { printConfig } from '../../../src/agent/frr/config-tree.js';
import { renderFrrConfig } from '../../../src/agent/frr/render.js';
import { FrrLab } from '../../support/frr-lab.js';
import { goldenCases } from './golden-cases.js';

// Someone else's configuration on the node: the agent must leave it as it is.
const OPERATOR_CONFIG = [
  'ip prefix-list operator seq 5 permit 10.0.0.0/8',
  'route-map operator permit 10',
  'match ip address prefix-list operator',
  'exit',
  'ip route 203.0.113.0/24 blackhole',
  'bfd',
  'profile operator',
  'detect-multiplier 7',
  'exit',
  'exit',
];
const OPERATOR_LINES = ['ip prefix-list operator seq 5 permit 10.0.0.0/8', 'route-map operator permit 10', ' match ip address prefix-list operator', 'ip route 203.0.113.0/24 blackhole', ' profile operator', '  detect-multiplier 7'];

describe('golden configurations applied to FRR', () => {
  let lab: FrrLab;

  beforeAll(async () => {
    lab = await FrrLab.start({ nodes: ['node'], links: [] });
    await lab.configureDirectly('node', OPERATOR_CONFIG);
  });
  afterAll(async () => {
    await lab?.teardown();
  });

  async function expectOperatorConfigIntact(): Promise<void> {
    const running = printConfig(await runningConfig(lab.target('node')));
    for (const text of OPERATOR_LINES) expect(running).toContain(text);
  }

  // Sequential on purpose: each case is applied over the previous one, so the deltas
  // between them (AS change, families, VNIs, policies coming and going) are exercised.
  const forth = goldenCases();
  const sequence = [...forth.map((c) => ({ c, pass: 'first' })), ...[...forth].reverse().map((c) => ({ c, pass: 'back' }))];
  for (const { c, pass } of sequence) {
    it(`applies ${c.name} (${pass} pass), and FRR keeps it exactly as rendered`, async () => {
      const { config } = renderFrrConfig(c.state);
      const applied = await applyFrrConfig(lab.target('node'), config);
      expect(applied.error).toBeUndefined();
      expect(applied.ok).toBe(true);
      const again = await applyFrrConfig(lab.target('node'), config);
      expect(again).toEqual({ ok: true, commands: [] });
      await expectOperatorConfigIntact();
    });
  }

  it('removes all of its own configuration, and nothing else, when the node has no routers', async () => {
    await applyFrrConfig(lab.target('node'), renderFrrConfig(goldenCases().find((c) => c.name === 'underlay')!.state).config);
    const applied = await applyFrrConfig(lab.target('node'), '');
    expect(applied.ok).toBe(true);
    const running = printConfig(await runningConfig(lab.target('node')));
    expect(running).not.toMatch(/cosmos-|router bgp/);
    await expectOperatorConfigIntact();
  });
});
