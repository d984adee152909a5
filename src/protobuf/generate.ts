// Rewrites proto/<group>/<version>/generated.proto and field-numbers.yaml from the kinds
// in openapi/: `npx tsx src/protobuf/generate.ts` after changing a schema.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generatedProtoFiles } from './kind-protos.js';
import { protoDir } from './proto-names.js';

const files = generatedProtoFiles((path) => {
  const full = join(protoDir(), path);
  return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
});
for (const [path, text] of files) {
  const full = join(protoDir(), path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  console.log(`wrote ${full}`);
}
