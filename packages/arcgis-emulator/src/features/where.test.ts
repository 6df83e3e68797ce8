import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWhere, oidLowerBound, parseDateLiteral, parseWhere, WhereError } from './where.js';

const fields = [
  { name: 'OBJECTID', type: 'esriFieldTypeOID' },
  { name: 'name', type: 'esriFieldTypeString' },
  { name: 'n', type: 'esriFieldTypeInteger' },
  { name: 'd', type: 'esriFieldTypeDate' }
];

function matches(where: string, row: Record<string, unknown>, caseInsensitive = false): boolean {
  return compileWhere(where, { fields, caseInsensitive, now: () => Date.UTC(2026, 0, 15, 12) }).predicate(row);
}

describe('where clauses', () => {
  it('evaluates comparisons, logic, lists, patterns, ranges and functions', () => {
    const row = { OBJECTID: 7, name: "O'Hara Park", n: 10, d: Date.UTC(2020, 5, 1) };
    const yes = [
      '1=1',
      'n = 10',
      'n <> 11 AND n != 9',
      'n > 9 AND n >= 10 AND n < 11 AND n <= 10',
      '(n = 1 OR n = 10) AND NOT name IS NULL',
      'n IN (1, 5, 10)',
      'n NOT IN (1, 2)',
      "name LIKE 'O''Hara%'",
      "name LIKE '_''Hara P_rk'",
      "name NOT LIKE '%zoo%'",
      "name LIKE '100!%' ESCAPE '!' OR n = 10",
      'n BETWEEN 10 AND 12',
      'n NOT BETWEEN 11 AND 12',
      "UPPER(name) = 'O''HARA PARK'",
      "LOWER(name) LIKE 'o''hara%'",
      "d >= date '2020-06-01' AND d < timestamp '2020-06-01 00:00:01'",
      "d > '2020-01-01'",
      'd < CURRENT_TIMESTAMP',
      "d < CURRENT_DATE - INTERVAL '30' DAY",
      "d + INTERVAL '1' HOUR > timestamp '2020-06-01 00:59:59'",
      'n * 2 + 1 = 21',
      '-n = -10',
      'CHAR_LENGTH(name) = 11',
      '"name" IS NOT NULL',
      'objectid = 7'
    ];
    for (const w of yes) expect(matches(w, row), w).toBe(true);
    const no = ['1=0', 'n = 11', "name = 'o''hara park'", 'n IN (1, 2)', 'name IS NULL', 'NOT (n = 10)', 'n BETWEEN 1 AND 9'];
    for (const w of no) expect(matches(w, row), w).toBe(false);
  });

  it('follows the collation: case-insensitive strings when asked (ArcGIS Online)', () => {
    expect(matches("name = 'o''hara park'", { name: "O'Hara Park" }, true)).toBe(true);
    expect(matches("name LIKE 'o%'", { name: "O'Hara Park" }, true)).toBe(true);
    expect(matches("name LIKE 'o%'", { name: "O'Hara Park" }, false)).toBe(false);
  });

  it('uses three-valued logic for NULL', () => {
    const row = { name: null, n: null };
    expect(matches("name = 'x'", row)).toBe(false);
    expect(matches("NOT (name = 'x')", row)).toBe(false);
    expect(matches("name <> 'x'", row)).toBe(false);
    expect(matches('n IN (1, 2)', row)).toBe(false);
    expect(matches('n NOT IN (1, 2)', row)).toBe(false);
    expect(matches("name = 'x' OR 1=1", row)).toBe(true);
    expect(matches('name IS NULL AND n IS NULL', row)).toBe(true);
  });

  it('rejects malformed clauses and unknown fields', () => {
    for (const w of ["name = 'x", 'n >', 'n = 1 AND', '(n = 1', 'n IN ()', 'n BETWEEN 1', "d > date 'x'", 'n', "FOO(n) = 1", 'n = 1 2', "name LIKE 'a' ESCAPE 'ab'", 'n # 1', "d > CURRENT_DATE - INTERVAL '3' WEEK"]) {
      expect(() => compileWhere(w, { fields, caseInsensitive: false }), w).toThrow(WhereError);
    }
    try {
      compileWhere('nosuch = 1', { fields, caseInsensitive: false });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(WhereError);
      expect((error as WhereError).kind).toBe('field');
      expect((error as WhereError).field).toBe('nosuch');
    }
  });

  it('parses date literals as UTC and refuses impossible dates', () => {
    expect(parseDateLiteral('2020-02-29')).toBe(Date.UTC(2020, 1, 29));
    expect(parseDateLiteral('2020-01-02 03:04:05.6')).toBe(Date.UTC(2020, 0, 2, 3, 4, 5, 600));
    expect(parseDateLiteral('2021-02-29')).toBeUndefined();
    expect(parseDateLiteral('yesterday')).toBeUndefined();
  });

  it('finds the objectId lower bound of paged queries', () => {
    expect(oidLowerBound(parseWhere('OBJECTID > 100'), 'OBJECTID')).toBe(100);
    expect(oidLowerBound(parseWhere('objectid >= 100 AND n = 1'), 'OBJECTID')).toBe(99);
    expect(oidLowerBound(parseWhere('100 < objectid'), 'OBJECTID')).toBe(100);
    expect(oidLowerBound(parseWhere('objectid > 100 OR n = 1'), 'OBJECTID')).toBe(0);
    expect(oidLowerBound(parseWhere('NOT objectid > 100'), 'OBJECTID')).toBe(0);
  });
});

// Random clauses over non-null rows, where SQL's logic is two-valued, so the usual set laws hold.
const atom = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map((v) => `n = ${v}`),
  fc.integer({ min: -3, max: 3 }).map((v) => `n > ${v}`),
  fc.integer({ min: -3, max: 3 }).map((v) => `n <= ${v}`),
  fc.constantFrom('a', 'b', 'ab').map((v) => `name = '${v}'`),
  fc.constantFrom('a%', '%b', '_', '%').map((v) => `name LIKE '${v}'`),
  fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 3 }).map((vs) => `n IN (${vs.join(', ')})`),
  fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 })).map(([a, b]) => `n BETWEEN ${a} AND ${b}`)
);
const clause: fc.Arbitrary<string> = fc.letrec((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${String(a)}) AND (${String(b)})`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${String(a)}) OR (${String(b)})`),
    tie('expr').map((a) => `NOT (${String(a)})`)
  )
})).expr as fc.Arbitrary<string>;
const rows = fc.array(fc.record({ n: fc.integer({ min: -4, max: 4 }), name: fc.constantFrom('a', 'b', 'ab', 'ba', '') }), { maxLength: 30 });

function select(where: string, data: { n: number; name: string }[]): Set<number> {
  const { predicate } = compileWhere(where, { fields, caseInsensitive: false });
  return new Set(data.flatMap((r, i) => (predicate(r) ? [i] : [])));
}

describe('where clauses (properties)', () => {
  it('NOT selects the complement', () => {
    fc.assert(
      fc.property(clause, rows, (a, data) => {
        const yes = select(a, data);
        const no = select(`NOT (${a})`, data);
        expect(yes.size + no.size).toBe(data.length);
        for (const i of yes) expect(no.has(i)).toBe(false);
      }),
      { numRuns: 300 }
    );
  });

  it('AND is intersection and OR is union', () => {
    fc.assert(
      fc.property(clause, clause, rows, (a, b, data) => {
        const sa = select(a, data);
        const sb = select(b, data);
        expect(select(`(${a}) AND (${b})`, data)).toEqual(new Set([...sa].filter((i) => sb.has(i))));
        expect(select(`(${a}) OR (${b})`, data)).toEqual(new Set([...sa, ...sb]));
      }),
      { numRuns: 300 }
    );
  });

  it('De Morgan holds and 1=1 is neutral', () => {
    fc.assert(
      fc.property(clause, clause, rows, (a, b, data) => {
        expect(select(`NOT ((${a}) AND (${b}))`, data)).toEqual(select(`(NOT (${a})) OR (NOT (${b}))`, data));
        expect(select(`(${a}) AND 1=1`, data)).toEqual(select(a, data));
      }),
      { numRuns: 200 }
    );
  });
});

describe('objectId ranges', () => {
  it('bounds both ends from AND-ed comparisons, = and BETWEEN', async () => {
    const { oidRange } = await import('./where.js');
    expect(oidRange(parseWhere('OBJECTID >= 10 AND OBJECTID <= 20'), 'OBJECTID')).toEqual({ after: 9, upTo: 20 });
    expect(oidRange(parseWhere('OBJECTID < 5'), 'OBJECTID')).toEqual({ after: 0, upTo: 4 });
    expect(oidRange(parseWhere('OBJECTID = 7'), 'OBJECTID')).toEqual({ after: 6, upTo: 7 });
    expect(oidRange(parseWhere('OBJECTID BETWEEN 3 AND 4 AND n = 1'), 'OBJECTID')).toEqual({ after: 2, upTo: 4 });
    expect(oidRange(parseWhere('OBJECTID < 5 OR OBJECTID > 9'), 'OBJECTID')).toEqual({ after: 0, upTo: Infinity });
    expect(oidRange(parseWhere('OBJECTID IN (40, 7, 12)'), 'OBJECTID')).toEqual({ after: 6, upTo: 40 });
    expect(oidRange(parseWhere('OBJECTID NOT IN (40, 7)'), 'OBJECTID')).toEqual({ after: 0, upTo: Infinity });
  });
});
