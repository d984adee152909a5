import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderTypes } from '../../src/api/codegen/render-types.js';
import { loadKinds } from '../../src/api/kinds.js';

describe('src/api/types.generated.ts', () => {
  it('matches the schemas in openapi/', () => {
    const checkedIn = readFileSync(new URL('../../src/api/types.generated.ts', import.meta.url), 'utf8');
    expect(checkedIn, 'src/api/types.generated.ts is stale: run `npm run gen`').toBe(renderTypes(loadKinds()));
  });
});
