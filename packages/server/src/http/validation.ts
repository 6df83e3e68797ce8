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

  app.setValidatorCompiler(({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }) =>
    (httpPart === 'body' ? forBody : forUrl).compile(schema as object)
  );
}
