// What /version reports: this server's own version in Kubernetes' version.Info shape.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../api/project-root.js';

const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
const [major, minor] = pkg.version.split('.');

export const SERVER_VERSION = {
  major: major!,
  minor: minor!,
  gitVersion: `v${pkg.version}`,
  gitCommit: '',
  gitTreeState: '',
  buildDate: '',
  goVersion: '',
  compiler: 'node',
  platform: `${process.platform}/${process.arch}`,
};
