// `npm run gen`: rewrites openapi/generated/ (the published OpenAPI documents) from the
// kind definitions in openapi/. The folder is replaced whole, so documents of a group
// version that is gone disappear with it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadKinds } from '../kinds.js';
import { projectRoot } from '../project-root.js';
import { generatedFiles } from './generated-files.js';

const target = join(projectRoot(), 'openapi', 'generated');
rmSync(target, { recursive: true, force: true });
for (const [path, content] of generatedFiles(loadKinds())) {
  const file = join(target, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  console.log(`wrote ${file}`);
}
