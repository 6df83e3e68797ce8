import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArcGISError } from '../errors.js';
import { compileRecordQuery, type FieldSpecs, paginate, parseQuery, readPage, sortRecords } from './query.js';

interface Row {
  username: string;
  title: string;
  tags: string[];
  created: number;
}

const SPECS: FieldSpecs<Row> = {
  username: { kind: 'keyword', get: (r) => r.username },
  title: { kind: 'text', get: (r) => r.title },
  tags: { kind: 'keyword', get: (r) => r.tags },
  created: { kind: 'number', get: (r) => r.created }
};
const FREE = ['username', 'title', 'tags'];
const rows: Row[] = [
  { username: 'jdoe', title: 'Street Maps of Redlands', tags: ['streets', 'city'], created: 100 },
  { username: 'asmith', title: 'Parcels', tags: ['cadastre'], created: 200 },
  { username: 'jdoe2', title: 'Street Trees', tags: ['trees', 'city'], created: 300 }
];
const find = (q: string) => rows.filter(compileRecordQuery(parseQuery(q), SPECS, FREE)).map((r) => r.username);

describe('the user/group search q syntax', () => {
  it('matches field queries, wildcards, phrases and free text case-insensitively', () => {
    expect(find('username:JDOE')).toEqual(['jdoe']);
    expect(find('username:jdoe*')).toEqual(['jdoe', 'jdoe2']);
    expect(find('title:"street maps"')).toEqual(['jdoe']);
    expect(find('title:street')).toEqual(['jdoe', 'jdoe2']);
    expect(find('tags:city')).toEqual(['jdoe', 'jdoe2']);
    expect(find('parcels')).toEqual(['asmith']);
    expect(find('"street trees"')).toEqual(['jdoe2']);
  });

  it('combines with AND, OR, NOT and parentheses (implicit AND)', () => {
    expect(find('title:street AND tags:trees')).toEqual(['jdoe2']);
    expect(find('title:street tags:trees')).toEqual(['jdoe2']);
    expect(find('username:asmith OR tags:trees')).toEqual(['asmith', 'jdoe2']);
    expect(find('tags:city NOT username:jdoe')).toEqual(['jdoe2']);
    expect(find('(username:asmith OR username:jdoe) AND created:[150 TO 400]')).toEqual(['asmith']);
    expect(find('created:{100 TO 300}')).toEqual(['asmith']);
    expect(find('created:[* TO 200]')).toEqual(['jdoe', 'asmith']);
    expect(find('username:(asmith OR jdoe2)')).toEqual(['asmith', 'jdoe2']);
    expect(find('-tags:city')).toEqual(['asmith']);
  });

  it('matches everything for an empty query or *, and nothing for unknown fields', () => {
    expect(find('')).toHaveLength(3);
    expect(find('*')).toHaveLength(3);
    expect(find('nosuchfield:x')).toEqual([]);
  });

  it('rejects malformed queries with a 400 error', () => {
    for (const q of ['(username:a', 'title:"open', 'created:[1 TO', 'AND']) {
      expect(() => parseQuery(q)).toThrow(ArcGISError);
    }
  });

  it('never throws anything but ArcGISError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (q) => {
        try {
          rows.forEach(compileRecordQuery(parseQuery(q), SPECS, FREE));
        } catch (error) {
          expect(error).toBeInstanceOf(ArcGISError);
        }
      })
    );
  });
});

describe('paging and sorting', () => {
  it('reads start/num with ArcGIS’s defaults and caps', () => {
    expect(readPage({})).toEqual({ start: 1, num: 10 });
    expect(readPage({ start: '0', num: '1000' })).toEqual({ start: 1, num: 100 });
  });

  it('pages every record exactly once, with nextStart -1 at the end', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 100 }), (total, num) => {
        const all = Array.from({ length: total }, (_, i) => i);
        const seen: number[] = [];
        let start = 1;
        for (;;) {
          const page = paginate(all, { start, num });
          expect(page.total).toBe(total);
          seen.push(...page.results);
          if (page.nextStart === -1) break;
          expect(page.nextStart).toBe(start + num);
          start = page.nextStart;
        }
        expect(seen).toEqual(all);
      })
    );
  });

  it('sorts by the given fields and order, falling back to the default field', () => {
    expect(sortRecords(rows, { sortField: 'created', sortOrder: 'desc' }, SPECS, 'username').map((r) => r.created)).toEqual([300, 200, 100]);
    expect(sortRecords(rows, { sortField: 'bogus' }, SPECS, 'username').map((r) => r.username)).toEqual(['asmith', 'jdoe', 'jdoe2']);
  });
});
