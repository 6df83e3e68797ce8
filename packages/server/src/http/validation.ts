import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';

// ajv-formats is CommonJS with a default export; under NodeNext its callable is on `.default`.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/**
 * Request validation with two Ajv instances: URL parts (query string, path parameters, headers)
 * arrive as text and are coerced to the schema's types; JSON bodies are not, so `{"port": "80"}`
 * or `{"name": 42}` is an error instead of silently becoming something else. Unknown body
 * properties are dropped where a schema sets `additionalProperties: false`.
 */
export function installValidation(app: FastifyInstance): void {
  const common: Options = { allErrors: true, useDefaults: true, removeAdditional: true, strict: false };
  const forUrl = new Ajv({ ...common, coerceTypes: 'array' });
  const forBody = new Ajv({ ...common, coerceTypes: false });
  addFormats(forUrl);
  addFormats(forBody);

  app.setValidatorCompiler(({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }) => {
    const validate = (httpPart === 'body' ? forBody : forUrl).compile(schema as object);
    if (httpPart !== 'body' || (schema as Record<string, unknown>)[OPTIONAL_BODY] !== true) return validate;
    // A body that may be left out: no body at all (Fastify passes it as null) is valid, a body that is sent must match.
    const optional = (data: unknown) => data === undefined || data === null || validate(data);
    Object.defineProperty(optional, 'errors', { get: () => validate.errors });
    return optional;
  });
}

/** Marks a body schema whose body may be left out altogether (`optionalBody`). */
export const OPTIONAL_BODY = 'x-optional-body';

/** A body schema for a route whose body may also be left out (Fastify otherwise requires one when a schema is given). */
export function optionalBody<const S extends object>(schema: S): S & { [OPTIONAL_BODY]: true } {
  return { ...schema, [OPTIONAL_BODY]: true } as S & { [OPTIONAL_BODY]: true };
}
