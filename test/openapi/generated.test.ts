import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadKinds } from '../../src/api/kinds.js';
import { generatedFiles } from '../../src/api/openapi/generated-files.js';

const generatedDir = fileURLToPath(new URL('../../openapi/generated/', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe('openapi/generated/', () => {
  it('holds exactly the documents the kind definitions give (run `npm run gen` after changing openapi/)', () => {
    const expected = generatedFiles(loadKinds());
    const onDisk = filesUnder(generatedDir).map((file) => relative(generatedDir, file)).sort();
    expect(onDisk).toEqual([...expected.keys()].sort());
    for (const [path, content] of expected) {
      expect(readFileSync(join(generatedDir, path), 'utf8') === content, `openapi/generated/${path} is stale: run npm run gen`).toBe(true);
    }
  });
});
