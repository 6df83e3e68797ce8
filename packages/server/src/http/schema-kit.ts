/**
 * Building blocks for the routes' JSON schemas (request and response), typed so that `FromJsonSchema` reads them
 * exactly: `object({ id: string, note: nullable(string) }, ['note'])` is `{ id: string; note?: string | null }`.
 * Response schemas decide what Fastify sends (fast-json-stringify drops what they do not list), so each module checks
 * its schemas against its view types with `SchemaAgrees` at compile time.
 */
import type { FromJsonSchema, SameType } from '../lib/json-schema.types.js';

export const string = { type: 'string' } as const;
export const dateTime = { type: 'string', format: 'date-time' } as const;
export const integer = { type: 'integer' } as const;
export const number = { type: 'number' } as const;
export const boolean = { type: 'boolean' } as const;
/** Any JSON value (data from ArcGIS kept as it is, a change's before and after...). */
export const anyJson = {} as const;
/** An object with any properties. */
export const anyObject = { type: 'object', additionalProperties: true } as const;

export function stringEnum<const E extends readonly string[]>(values: E): { type: 'string'; enum: E } {
  return { type: 'string', enum: values };
}

export function constant<const C extends string>(value: C): { type: 'string'; const: C } {
  return { type: 'string', const: value };
}

export function arrayOf<const I>(items: I): { type: 'array'; items: I } {
  return { type: 'array', items };
}

export function recordOf<const V>(values: V): { type: 'object'; additionalProperties: V } {
  return { type: 'object', additionalProperties: values };
}

export function anyOf<const S extends readonly unknown[]>(...schemas: S): { anyOf: S } {
  return { anyOf: schemas };
}

type Nullable<S> = S extends { enum: readonly (infer E)[] }
  ? Omit<S, 'type' | 'enum'> & { type: readonly [S extends { type: infer T } ? T : never, 'null']; enum: readonly (E | null)[] }
  : Omit<S, 'type'> & { type: readonly [S extends { type: infer T } ? T : never, 'null'] };

/** The schema, or null (`type: [T, 'null']`, with null added to an `enum`). */
export function nullable<const S extends { type: string }>(schema: S): Nullable<S> {
  const out: Record<string, unknown> = { ...schema, type: [schema.type, 'null'] };
  if ('enum' in schema && Array.isArray(schema.enum)) out.enum = [...(schema.enum as unknown[]), null];
  return out as Nullable<S>;
}

/** An object whose properties are all required except those named in `optional`. */
export function object<const P extends Record<string, unknown>, const O extends keyof P & string = never>(
  properties: P,
  optional: readonly O[] = []
): { type: 'object'; required: Exclude<keyof P & string, O>[]; properties: P } {
  const required = Object.keys(properties).filter((key) => !(optional as readonly string[]).includes(key)) as Exclude<keyof P & string, O>[];
  return { type: 'object', required, properties };
}

/** Adds a description (shown in the OpenAPI description) to a schema. */
export function described<const S extends object>(description: string, schema: S): S & { description: string } {
  return { ...schema, description };
}

/** Deep plain object types, so an interface, an intersection and the object type of a schema compare as equal. */
type Plain<T> = T extends (infer U)[] ? Plain<U>[] : T extends object ? { [K in keyof T]: Plain<T[K]> } : T;

/** `true` when a schema describes exactly the type T; use as `const agrees: SchemaAgrees<typeof schema, View> = true`. */
export type SchemaAgrees<S, T> = SameType<Plain<FromJsonSchema<S>>, Plain<T>>;

/** A 204 answer without a body. */
export const noContent = { type: 'null', description: 'Done; no body.' } as const;
