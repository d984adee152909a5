// What kube-apiserver does to a CRD schema before publishing it in Swagger 2.0
// (apiextensions-apiserver's ToStructuralOpenAPIV2, then defaults pruned): v2 and
// kubectl's v2 reader cannot express junctors, `nullable`, or unknown fields under
// declared ones, so those parts become untyped rather than wrong.
import type { Schema } from './dialect.js';

const junctors = ['allOf', 'anyOf', 'oneOf', 'not'];

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function toStructuralV2(schema: Schema): Schema {
  const out: Schema = { ...schema };
  for (const keyword of [...junctors, 'default']) delete out[keyword];

  // A nullable value is published untyped: kubectl rejects null for a typed field.
  if (out.nullable) {
    delete out.nullable;
    delete out.type;
    delete out.items;
    delete out.properties;
  }
  // kubectl would reject the unknown fields under declared properties or items.
  if (out['x-kubernetes-preserve-unknown-fields']) {
    delete out.items;
    delete out.properties;
    if (out.type === 'object') delete out.type;
  }
  // kubectl cannot read an array without an item schema.
  if (out.type === 'array' && out.items === undefined) delete out.type;

  if (isObject(out.properties)) {
    const properties = out.properties as Record<string, Schema>;
    // A required field that may be null could not be sent as null once untyped.
    if (Array.isArray(out.required)) {
      const required = (out.required as string[]).filter((name) => !properties[name]?.nullable);
      if (required.length) out.required = required;
      else delete out.required;
    }
    out.properties = Object.fromEntries(Object.entries(properties).map(([name, p]) => [name, toStructuralV2(p)]));
  }
  if (isObject(out.items)) out.items = toStructuralV2(out.items);
  if (isObject(out.additionalProperties)) {
    if (out.additionalProperties.nullable) delete out.required;
    out.additionalProperties = toStructuralV2(out.additionalProperties);
  }
  return out;
}
