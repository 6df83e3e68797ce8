/**
 * The TypeScript type that a JSON schema (written `as const`) describes, so a route's schema and the type its handler
 * uses or answers with can be checked against each other at compile time. Covers what OrgKeeper's schemas use: objects
 * with `properties` and `required`, or with `additionalProperties` only (a record); strings, numbers, integers,
 * booleans, null; a list of types (`['string', 'null']`); arrays; `enum`, `const`, `anyOf` and `oneOf`. Anything else
 * is `unknown`.
 */
export type FromJsonSchema<S> = S extends { const: infer C }
  ? C
  : S extends { anyOf: readonly (infer A)[] }
    ? FromJsonSchema<A>
    : S extends { oneOf: readonly (infer O)[] }
      ? FromJsonSchema<O>
      : S extends { enum: readonly (infer E)[] }
        ? E
        : S extends { type: readonly (infer T)[] }
          ? T extends unknown
            ? FromJsonSchema<Omit<S, 'type'> & { type: T }>
            : never
          : S extends { type: 'string' }
            ? string
            : S extends { type: 'integer' | 'number' }
              ? number
              : S extends { type: 'boolean' }
                ? boolean
                : S extends { type: 'null' }
                  ? null
                  : S extends { type: 'array'; items: infer I }
                    ? FromJsonSchema<I>[]
                    : S extends { type: 'object'; properties: infer P }
                      ? ObjectOf<P, S extends { required: readonly (infer R)[] } ? R : never>
                      : S extends { type: 'object'; additionalProperties: infer A }
                        ? Record<string, A extends true ? unknown : FromJsonSchema<A>>
                        : S extends { type: 'object' }
                          ? Record<string, unknown>
                          : unknown;

type ObjectOf<P, Required> = Flatten<
  { -readonly [K in keyof P as K extends Required ? K : never]: FromJsonSchema<P[K]> } & {
    -readonly [K in keyof P as K extends Required ? never : K]?: FromJsonSchema<P[K]>;
  }
>;

type Flatten<T> = { [K in keyof T]: T[K] };

/** `true` when A and B are the same type, else `false`: `const agree: SameType<A, B> = true` fails to compile when they drift apart. */
export type SameType<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
