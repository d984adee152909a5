// Start-up checks that a schema uses only what admission implements, so that a schema
// change the server cannot honour stops it from starting instead of being half-enforced.
import { assertFormatSupported } from './formats.js';
import { compileRegex } from './regex.js';
import { mapValueSchema, type Schema } from './schema.js';

export function assertSchemaSupported(schema: Schema, where: string): void {
  const fail = (problem: string): never => {
    throw new Error(`${where}: ${problem}`);
  };
  if (schema['x-kubernetes-embedded-resource']) fail('x-kubernetes-embedded-resource is not supported');
  if (schema.format !== undefined) assertFormatSupported(schema.format);
  if (schema.pattern !== undefined) {
    try {
      compileRegex(schema.pattern);
    } catch (err) {
      fail(`pattern ${JSON.stringify(schema.pattern)} is not a valid RE2 expression: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  for (const [name, child] of Object.entries(schema.properties ?? {})) assertSchemaSupported(child, `${where}.${name}`);
  if (schema.items) assertSchemaSupported(schema.items, `${where}[*]`);
  const valueSchema = mapValueSchema(schema);
  if (valueSchema) assertSchemaSupported(valueSchema, `${where}[*]`);
  schema.allOf?.forEach((branch, i) => assertSchemaSupported(branch, `${where}.allOf[${i}]`));
}
