// The golden cases: desired node states in test/agent/golden/<name>.yaml, with the FRR
// configuration and problems they must render to beside them (<name>.frr,
// <name>.problems.yaml). `UPDATE_GOLDEN=1 npx vitest run test/agent/frr` rewrites the
// expectations from what the renderer produces now; review the diff before committing.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../../../src/api/project-root.js';
import { secretValue, type DesiredNodeState } from '../../../src/agent/desired-state.js';

export const GOLDEN_DIR = join(projectRoot(), 'test', 'agent', 'golden');
export const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';

export interface GoldenCase {
  name: string;
  state: DesiredNodeState;
  configPath: string;
  problemsPath: string;
}

/** A desired state written as YAML: passwords are plain strings there. */
export function desiredStateFromYaml(text: string): DesiredNodeState {
  const state = parse(text) as DesiredNodeState;
  for (const router of state.routers) {
    for (const peer of router.peers) {
      const password = peer.password as unknown;
      if (typeof password === 'string') peer.password = secretValue(password);
    }
  }
  return state;
}

export function goldenCases(): GoldenCase[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.yaml') && !f.endsWith('.problems.yaml'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.yaml$/, '');
      return {
        name,
        state: desiredStateFromYaml(readFileSync(join(GOLDEN_DIR, file), 'utf8')),
        configPath: join(GOLDEN_DIR, `${name}.frr`),
        problemsPath: join(GOLDEN_DIR, `${name}.problems.yaml`),
      };
    });
}
