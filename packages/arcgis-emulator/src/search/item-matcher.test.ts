import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newItemRecord } from '../state/records.js';
import { type ItemJson, type ItemRecord } from '../state/types.js';
import { compileItemFilter, compileItemQuery } from './item-matcher.js';
import { parseQuery } from './query.parser.js';
import { stem } from './text-analysis.js';

function item(id: string, over: Partial<ItemJson> = {}, groups: string[] = []): ItemRecord {
  return newItemRecord(
    { id, owner: 'jsmith', orgId: 'ORG1', created: 1000, modified: 2000, title: 'Untitled', type: 'Web Map', ...over },
    { groups: new Set(groups) }
  );
}

const corpus: ItemRecord[] = [
  item('a1', { title: 'City Parks', type: 'Feature Service', tags: ['parks', 'recreation'], owner: 'Alice', created: 100 }),
  item('b2', { title: 'Park Map', type: 'Web Map', tags: ['parks'], owner: 'bob', created: 200, access: 'public' }, ['g1']),
  item('c3', { title: 'Parking Viewer', type: 'Web Mapping Application', owner: 'bob', created: 300 }),
  item('d4', { title: 'Fire stations', type: 'CSV', snippet: 'All fires of 2020', owner: 'carol', created: 400, numViews: 7 }),
  item('e5', { title: 'Roads', type: 'Map Service', typeKeywords: ['Hosted Service'], owner: 'alice', created: 500 }, ['g1', 'g2'])
];

const ids = (q: string) => corpus.filter(compileItemQuery(parseQuery(q))).map((i) => i.json.id);

describe('item queries', () => {
  it('matches owner exactly and case-insensitively', () => {
    expect(ids('owner:alice')).toEqual(['a1', 'e5']);
    expect(ids('owner:ali')).toEqual([]);
  });

  it('matches type by analysed words, as ArcGIS does (type:"Web Map" also finds Web Mapping Applications)', () => {
    expect(ids('type:"Web Map"')).toEqual(['b2', 'c3']);
    expect(ids('type:"Web Map" -type:"Web Mapping Application"')).toEqual(['b2']);
    expect(ids('type:Map')).toEqual(['b2', 'c3', 'e5']);
  });

  it('searches title, tags, snippet, description, type and typekeywords by default, with stemming', () => {
    expect(ids('fire')).toEqual(['d4']); // "Fire stations" and "fires"
    expect(ids('parks')).toEqual(['a1', 'b2', 'c3']); // title City Parks, tag parks; "Parking" stems to "park" too
  });

  it('supports wildcards on words and on exact fields', () => {
    expect(ids('title:Park*')).toEqual(['a1', 'b2', 'c3']);
    expect(ids('owner:b?b')).toEqual(['b2', 'c3']);
  });

  it('supports numeric ranges with zero padding and open ends', () => {
    expect(ids('created:[0000000000000000200 TO 0000000000000000400]')).toEqual(['b2', 'c3', 'd4']);
    expect(ids('created:{200 TO *]')).toEqual(['c3', 'd4', 'e5']);
    expect(ids('numviews:7')).toEqual(['d4']);
  });

  it('supports group:, id:, access:, typekeywords: and unknown fields', () => {
    expect(ids('group:g1')).toEqual(['b2', 'e5']);
    expect(ids('id:C3')).toEqual(['c3']);
    expect(ids('access:public')).toEqual(['b2']);
    expect(ids('typekeywords:"Hosted Service"')).toEqual(['e5']);
    expect(ids('nosuchfield:x')).toEqual([]);
  });

  it('filter matches whole values exactly', () => {
    const filtered = corpus.filter(compileItemFilter(parseQuery('type:"Web Map"'))).map((i) => i.json.id);
    expect(filtered).toEqual(['b2']);
  });

  it('stems the way the type quirk needs', () => {
    expect(stem('mapping')).toBe('map');
    expect(stem('services')).toBe(stem('service'));
    expect(stem('fires')).toBe('fire');
  });
});

describe('boolean algebra (property)', () => {
  const atoms = [
    'owner:alice',
    'owner:bob',
    'type:"Web Map"',
    'type:Service',
    'parks',
    'fire',
    'group:g1',
    'created:[200 TO 400]',
    'title:Park*',
    'access:public'
  ];
  const arbQuery: fc.Arbitrary<string> = fc.letrec((tie) => ({
    q: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...atoms),
      fc.tuple(tie('q'), tie('q')).map(([a, b]) => `(${a}) AND (${b})`),
      fc.tuple(tie('q'), tie('q')).map(([a, b]) => `(${a}) OR (${b})`),
      tie('q').map((a) => `NOT (${a})`)
    )
  })).q as fc.Arbitrary<string>;
  const set = (q: string) => new Set(ids(q));

  it('A OR B is the union, A AND B the intersection, NOT A the complement', () => {
    fc.assert(
      fc.property(arbQuery, arbQuery, (a, b) => {
        const A = set(a);
        const B = set(b);
        expect(set(`(${a}) OR (${b})`)).toEqual(new Set([...A, ...B]));
        expect(set(`(${a}) AND (${b})`)).toEqual(new Set([...A].filter((x) => B.has(x))));
        expect(set(`(${a}) (${b})`)).toEqual(new Set([...A].filter((x) => B.has(x))));
        expect(set(`NOT (${a})`)).toEqual(new Set(corpus.map((i) => i.json.id).filter((x) => !A.has(x))));
        expect(set(`(${a}) -(${b})`)).toEqual(new Set([...A].filter((x) => !B.has(x))));
      }),
      { numRuns: 300 }
    );
  });
});
