// The published documents as checked in under openapi/generated/, so a review shows how
// a schema change alters what clients see. `npm run gen` writes them; a test fails
// when they are stale.
import { groupVersions, type KindDefinition } from '../kinds.js';
import type { Schema } from './dialect.js';
import { loadSubresourceKinds } from './subresource-kinds.js';
import { buildOpenApiV2 } from './v2.js';
import { buildOpenApiV3, openApiV3Path } from './v3.js';

const pretty = (doc: Schema) => `${JSON.stringify(doc, null, 2)}\n`;

/** Path under openapi/generated/ → file content. */
export function generatedFiles(kinds: KindDefinition[]): Map<string, string> {
  const subresources = loadSubresourceKinds();
  const files = new Map<string, string>([['v2.json', pretty(buildOpenApiV2(kinds, subresources))]]);
  for (const { group, version } of groupVersions(kinds)) {
    files.set(`v3/${openApiV3Path(group, version)}.json`, pretty(buildOpenApiV3(kinds, group, version, subresources)));
  }
  return files;
}
