import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, CHUNK_OID_SPAN, chunkRangeOf, featureChunkBytes, isAlignedRange } from './feature-chunks.js';

/** The same object with its keys in reverse order, at every level. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)]));
}

describe('canonicalJson', () => {
  it('round-trips JSON values and does not depend on key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(reversedKeys(value))).toBe(text);
      })
    );
  });

  it('drops undefined properties like JSON.stringify', () => {
    expect(canonicalJson({ b: 1, a: undefined, c: [undefined, 2] })).toBe('{"b":1,"c":[null,2]}');
  });
});

describe('chunk ranges', () => {
  it('puts every object id in exactly one fixed, aligned range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (oid) => {
        const range = chunkRangeOf(oid);
        expect(oid).toBeGreaterThanOrEqual(range.fromOid);
        expect(oid).toBeLessThanOrEqual(range.toOid);
        expect(range.toOid - range.fromOid + 1).toBe(CHUNK_OID_SPAN);
        expect(isAlignedRange(range)).toBe(true);
      })
    );
    expect(chunkRangeOf(1)).toEqual({ fromOid: 0, toOid: CHUNK_OID_SPAN - 1 });
    expect(chunkRangeOf(CHUNK_OID_SPAN)).toEqual({ fromOid: CHUNK_OID_SPAN, toOid: 2 * CHUNK_OID_SPAN - 1 });
  });

  it('gives the same bytes for the same features whatever order and key order the server used', () => {
    const a = { attributes: { OBJECTID: 1, NAME: 'a' }, geometry: { x: 1, y: 2 } };
    const b = { attributes: { NAME: 'b', OBJECTID: 2 }, geometry: { y: 4, x: 3 } };
    const base = { objectIdFieldName: 'OBJECTID', fromOid: 0, toOid: CHUNK_OID_SPAN - 1, geometryType: 'esriGeometryPoint' };
    const one = featureChunkBytes({ ...base, features: [a, b] });
    const two = featureChunkBytes({ ...base, features: [reversedKeys(b) as typeof b, reversedKeys(a) as typeof a] });
    expect(one.equals(two)).toBe(true);
    expect(JSON.parse(one.toString()).features.map((f: typeof a) => f.attributes.OBJECTID)).toEqual([1, 2]);
  });
});
