/**
 * The TypeScript type that a small JSON schema (written `as const`) describes, so a route's schema and the type its
 * handler uses can be checked against each other at compile time. Covers what request bodies use: objects with
 * `properties` and `required`, strings, numbers, integers, booleans, arrays and enums; anything else is `unknown`.
 */
export type FromJsonSchema<S> = S extends { enum: readonly (infer E)[] }
  ? E
  : S extends { type: 'string' }
    ? string
    : S extends { type: 'integer' | 'number' }
      ? number
      : S extends { type: 'boolean' }
        ? boolean
        : S extends { type: 'array'; items: infer I }
          ? FromJsonSchema<I>[]
          : S extends { type: 'object'; properties: infer P }
            ? ObjectOf<P, S extends { required: readonly (infer R)[] } ? R : never>
            : unknown;

type ObjectOf<P, Required> = Flatten<
  { -readonly [K in keyof P as K extends Required ? K : never]: FromJsonSchema<P[K]> } & {
    -readonly [K in keyof P as K extends Required ? never : K]?: FromJsonSchema<P[K]>;
  }
>;

type Flatten<T> = { [K in keyof T]: T[K] };

/** `true` when A and B are the same type, else `false`: `const agree: SameType<A, B> = true` fails to compile when they drift apart. */
export type SameType<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
