import type { IItem } from '@esri/arcgis-rest-portal';
import { describe, expect, it } from 'vitest';
import { needsThumbnail, RELATIONSHIP_TYPES, relationshipTypesFor, typesToAskEach } from './part-needs.js';

const item = (type: string, extra: Partial<IItem> = {}) => ({ id: `id-${type}`, type, ...extra }) as IItem;

describe('part needs', () => {
  it('asks for a thumbnail only when the item names one', () => {
    expect(needsThumbnail(item('PDF', { thumbnail: 'thumbnail/a.png' }))).toBe('thumbnail/a.png');
    expect(needsThumbnail(item('PDF', { thumbnail: null as unknown as string }))).toBeUndefined();
    expect(needsThumbnail(item('PDF', { thumbnail: '' }))).toBeUndefined();
  });

  it('asks each direction only for the relationship types Esri lets the item type take part in that way', () => {
    const map = relationshipTypesFor(item('Web Map'), 'forward', 'floor');
    expect(map).toEqual(expect.arrayContaining(['Map2Service', 'Map2FeatureCollection', 'Map2AppConfig', 'Map2Area', 'WorkforceMap2FeatureService', 'Item2Attachment', 'Item2Report']));
    expect(map).not.toContain('Survey2Service');
    expect(map).not.toContain('Service2Data');
    // A PDF is the destination of attachments and reports, and of the types whose destination is any item.
    expect(relationshipTypesFor(item('PDF'), 'reverse', 'floor')).toEqual([
      'Service2Layer', 'Survey2Data', 'Item2Attachment', 'Item2Report', 'Solution2Item', 'APIKey2Item',
      // named by Esri's SDKs with any item at that end (or ends not given)
      'Listed2Provisioned', 'SurveyAddIn2Data', 'Map2App', 'App2DependentApp', 'Map2IndoorsConfig'
    ]);
    expect(relationshipTypesFor(item('Feature Service'), 'reverse', 'floor')).toEqual(
      expect.arrayContaining(['Map2Service', 'Service2Data', 'Survey2Service', 'WorkforceMap2FeatureService'])
    );
    expect(relationshipTypesFor(item('Web Map'), 'forward', 'every')).toEqual([...RELATIONSHIP_TYPES]);
  });

  it('asks one by one only the types that can link the item to what the combined answer found', () => {
    const map = item('Web Map');
    const asked = relationshipTypesFor(map, 'forward', 'floor');
    expect(typesToAskEach(map, 'forward', asked, [item('Feature Service')], 'floor')).toEqual(['Map2Service', 'Service2Layer', 'Solution2Item', 'WorkforceMap2FeatureService', 'Listed2Provisioned', 'Map2App', 'App2DependentApp', 'Map2IndoorsConfig']);
    expect(typesToAskEach(map, 'forward', asked, [item('Feature Collection'), item('PDF')], 'floor')).toEqual([
      'Map2FeatureCollection',
      'Service2Layer',
      'Item2Attachment',
      'Item2Report',
      'Solution2Item',
      'Listed2Provisioned',
      'Map2App',
      'App2DependentApp',
      'Map2IndoorsConfig'
    ]);
    // A type the table cannot place makes every type asked: the table never hides a relationship.
    const service = item('Feature Service');
    const reverse = relationshipTypesFor(service, 'reverse', 'floor');
    expect(typesToAskEach(service, 'reverse', reverse, [item('Notebook')], 'floor')).toEqual(expect.arrayContaining(['Service2Layer', 'Solution2Item']));
    expect(typesToAskEach(item('Code Attachment'), 'reverse', ['WMA2Code'], [item('Notebook')], 'floor')).toEqual(['WMA2Code']);
    expect(typesToAskEach(map, 'forward', asked, [item('Feature Service')], 'every')).toEqual(asked);
  });
});
