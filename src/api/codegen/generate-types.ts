// `npm run gen`: rewrites src/api/types.generated.ts from the schemas in openapi/.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadKinds } from '../kinds.js';
import { renderTypes } from './render-types.js';

const target = fileURLToPath(new URL('../types.generated.ts', import.meta.url));
writeFileSync(target, renderTypes(loadKinds()));
console.log(`wrote ${target}`);
