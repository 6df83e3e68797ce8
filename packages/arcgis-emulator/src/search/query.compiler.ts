import { type QueryNode } from './query.parser.js';

/**
 * Turns a parsed `q` (query.parser.ts, the one query language of item, user and group search) into a predicate.
 * The boolean structure is the same for every resource; what a `field:value` term or range means is not (items
 * analyze and stem their text fields, users and groups do not), so each search passes its own field matchers.
 */

export type Predicate<T> = (record: T) => boolean;

export interface RangeBounds {
  /** null: open end (`*`) */
  lower: string | null;
  upper: string | null;
  includeLower: boolean;
  includeUpper: boolean;
}

export interface FieldMatchers<T> {
  /** A term: `field:text`, `field:"a phrase"`, or free text when `field` is null. */
  term(field: string | null, text: string, phrase: boolean): Predicate<T>;
  range(field: string | null, range: RangeBounds): Predicate<T>;
}

export const always: Predicate<unknown> = () => true;
export const never: Predicate<unknown> = () => false;

/** Compiles once per request; the predicate is then evaluated per record. */
export function compileQuery<T>(node: QueryNode, fields: FieldMatchers<T>): Predicate<T> {
  switch (node.kind) {
    case 'all':
      return always;
    case 'and': {
      const parts = node.children.map((child) => compileQuery(child, fields));
      return (record) => parts.every((p) => p(record));
    }
    case 'or': {
      const parts = node.children.map((child) => compileQuery(child, fields));
      return (record) => parts.some((p) => p(record));
    }
    case 'not': {
      const inner = compileQuery(node.child, fields);
      return (record) => !inner(record);
    }
    case 'term':
      return fields.term(node.field, node.text, node.phrase);
    case 'range':
      return fields.range(node.field, node);
  }
}
