import { describe, expect, it } from 'vitest';
import { parseQuery, QuerySyntaxError } from './query.parser.js';

const term = (text: string, field: string | null = null, phrase = false) => ({ kind: 'term', field, text, phrase });

describe('parseQuery', () => {
  it('treats an empty query and * as match-all', () => {
    expect(parseQuery('')).toEqual({ kind: 'all' });
    expect(parseQuery('   ')).toEqual({ kind: 'all' });
    expect(parseQuery('*')).toEqual({ kind: 'all' });
  });

  it('parses field terms, quoted phrases and a space after the colon (rest-js isItemSharedWithGroup)', () => {
    expect(parseQuery('owner:jsmith')).toEqual(term('jsmith', 'owner'));
    expect(parseQuery('type:"Web Map"')).toEqual(term('Web Map', 'type', true));
    expect(parseQuery('id: abc AND group: def')).toEqual({ kind: 'and', children: [term('abc', 'id'), term('def', 'group')] });
  });

  it('lower-cases field names but keeps values', () => {
    expect(parseQuery('typeKeywords:Hosted')).toEqual(term('Hosted', 'typekeywords'));
  });

  it('combines adjacent terms with AND and gives AND precedence over OR', () => {
    expect(parseQuery('a b OR c')).toEqual({
      kind: 'or',
      children: [{ kind: 'and', children: [term('a'), term('b')] }, term('c')]
    });
  });

  it('parses NOT, - and + prefixes', () => {
    expect(parseQuery('a NOT b')).toEqual({ kind: 'and', children: [term('a'), { kind: 'not', child: term('b') }] });
    expect(parseQuery('type:"Web Map" -type:"Web Mapping Application"')).toEqual({
      kind: 'and',
      children: [term('Web Map', 'type', true), { kind: 'not', child: term('Web Mapping Application', 'type', true) }]
    });
    expect(parseQuery('+a')).toEqual(term('a'));
  });

  it('treats lower-case and/or as plain words, as ArcGIS requires operators in capitals', () => {
    expect(parseQuery('fire and water')).toEqual({ kind: 'and', children: [term('fire'), term('and'), term('water')] });
  });

  it('applies a field to a parenthesised group', () => {
    expect(parseQuery('type:("Web Map" OR "Web Scene")')).toEqual({
      kind: 'or',
      children: [term('Web Map', 'type', true), term('Web Scene', 'type', true)]
    });
  });

  it('parses inclusive, exclusive and open ranges, including zero-padded dates', () => {
    expect(parseQuery('created:[0000001249084800000 TO 0000001249548000000]')).toEqual({
      kind: 'range',
      field: 'created',
      lower: '0000001249084800000',
      upper: '0000001249548000000',
      includeLower: true,
      includeUpper: true
    });
    expect(parseQuery('modified:{1 TO *}')).toMatchObject({ lower: '1', upper: null, includeLower: false, includeUpper: false });
  });

  it('keeps wildcards and colons in values glued to a field', () => {
    expect(parseQuery('title:Park*')).toEqual(term('Park*', 'title'));
    expect(parseQuery('url:https://example.com/a')).toEqual(term('https://example.com/a', 'url'));
  });

  it('ignores boosts', () => {
    expect(parseQuery('fire^2 water')).toEqual({ kind: 'and', children: [term('fire'), term('water')] });
  });

  it('reports syntax errors with a position', () => {
    for (const bad of ['(a OR b', 'a OR', 'a)', '"open phrase', 'title:', 'created:[1 2]', 'AND a']) {
      expect(() => parseQuery(bad), bad).toThrow(QuerySyntaxError);
    }
  });
});
