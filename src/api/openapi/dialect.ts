// The two forms the published documents take. OpenAPI v3 and Swagger 2.0 differ in
// where named schemas live and in how a reference carries its own description; the
// builders write every reference through a dialect so one description of the API
// serves both.

/** A schema or document fragment as published (JSON). */
export type Schema = { [keyword: string]: unknown };

export interface SchemaDialect {
  /** A reference to the named schema, with sibling keywords such as `description`. */
  ref(name: string, siblings?: Schema): Schema;
}

/**
 * OpenAPI 3.0 ignores keywords beside `$ref`, so a reference that carries a
 * description is wrapped in a one-element `allOf`, as kube-apiserver publishes it.
 */
export const v3Dialect: SchemaDialect = {
  ref(name, siblings) {
    const $ref = `#/components/schemas/${name}`;
    return siblings ? { allOf: [{ $ref }], ...siblings } : { $ref };
  },
};

/** Swagger 2.0 readers (kubectl's among them) take keywords beside `$ref` as they are. */
export const v2Dialect: SchemaDialect = {
  ref(name, siblings) {
    return { $ref: `#/definitions/${name}`, ...siblings };
  },
};
