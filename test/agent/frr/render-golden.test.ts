// Rendering desired node states to FRR configuration, against the golden files.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { redactSecrets, renderFrrConfig } from '../../../src/agent/frr/render.js';
import { goldenCases, UPDATE_GOLDEN } from './golden-cases.js';

const cases = goldenCases();

describe('FRR configuration rendered from desired state', () => {
  it('has golden cases', () => {
    expect(cases.map((c) => c.name)).toEqual(expect.arrayContaining(['conflicts', 'empty', 'evpn', 'every-field', 'underlay']));
  });

  for (const c of cases) {
    it(`renders ${c.name} as its golden files say`, () => {
      const { config, problems } = renderFrrConfig(c.state);
      if (UPDATE_GOLDEN) {
        writeFileSync(c.configPath, config);
        writeFileSync(c.problemsPath, stringify(problems, { aliasDuplicateObjects: false }));
      }
      expect(existsSync(c.configPath), `${c.configPath} missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(config).toBe(readFileSync(c.configPath, 'utf8'));
      expect(problems).toEqual(parse(readFileSync(c.problemsPath, 'utf8')) ?? []);
    });

    it(`renders ${c.name} the same every time, whatever the order of the objects`, () => {
      const reversed = {
        routers: [...c.state.routers].reverse().map((r) => ({
          ...r,
          peers: [...r.peers].reverse(),
          advertisements: [...r.advertisements].reverse(),
          policies: [...r.policies].reverse().map((p) => ({ ...p, terms: [...p.terms].reverse() })),
          vrfs: [...r.vrfs].reverse(),
        })),
      };
      const again = renderFrrConfig(reversed);
      expect(again.config).toBe(renderFrrConfig(c.state).config);
      // Field paths name terms by position, which the reversal changed.
      const summary = (problems: typeof again.problems) => problems.map((p) => `${p.object.kind} ${p.object.namespace}/${p.object.name} ${p.reason}`).sort();
      expect(summary(again.problems)).toEqual(summary(renderFrrConfig(c.state).problems));
    });
  }

  it('keeps passwords out of serialized state and out of redacted text', () => {
    const underlay = cases.find((c) => c.name === 'underlay')!;
    const peer = underlay.state.routers[0]!.peers[0]!;
    expect(JSON.stringify(peer)).not.toContain('md5-secret');
    expect(inspect(peer, { depth: 5 })).not.toContain('md5-secret');
    expect(`${peer.password}`).not.toContain('md5-secret');
    expect(() => structuredClone(peer)).toThrow();

    const { config } = renderFrrConfig(underlay.state);
    expect(config).toContain('password md5-secret');
    expect(redactSecrets(config)).not.toContain('md5-secret');
    expect(redactSecrets('% Unknown command: neighbor 10.0.0.1 password a b c')).toBe('% Unknown command: neighbor 10.0.0.1 password <redacted>');
  });
});
