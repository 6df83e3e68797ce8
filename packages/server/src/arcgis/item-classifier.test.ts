import { describe, expect, it } from 'vitest';
import { classifyItem, claimsHostedFeatureService, hostedServiceUrl } from './item-classifier.js';
import { FOREIGN_SPELLINGS, ORG_ID, onlineTestOrigins } from './testing/origin-spellings.js';

const origins = onlineTestOrigins();
const HOSTED = { type: 'Feature Service', typeKeywords: ['ArcGIS Server', 'Data', 'Feature Access', 'Feature Service', 'Service', 'Hosted Service'] };
const root = `https://services7.arcgis.com/${ORG_ID}/arcgis/rest/services`;

describe('classifyItem', () => {
  it('a hosted feature layer: the keywords and a FeatureServer on one of the hosting servers', () => {
    expect(classifyItem({ ...HOSTED, url: `${root}/Parcels/FeatureServer` }, origins)).toEqual({ kind: 'hosted', serviceUrl: `${root}/Parcels/FeatureServer` });
    expect(hostedServiceUrl({ ...HOSTED, url: `${root}/Parcels/FeatureServer/0` }, origins)).toBe(`${root}/Parcels/FeatureServer`);
  });

  it.each(FOREIGN_SPELLINGS)('the hosted keywords with the URL %j make an external reference', (url) => {
    const c = classifyItem({ ...HOSTED, url }, origins);
    if (url.trim() === '') expect(c).toEqual({ kind: 'none' });
    else expect(c).toMatchObject({ kind: 'external', url: url.trim(), reason: expect.any(String) });
    expect(hostedServiceUrl({ ...HOSTED, url }, origins)).toBeUndefined();
  });

  it('the portal string inside a foreign URL does not help', () => {
    const c = classifyItem({ ...HOSTED, url: `https://evil.example/${root.replace('https://', '')}/X/FeatureServer` }, origins);
    expect(c).toMatchObject({ kind: 'external', reason: expect.stringMatching(/https:\/\/evil\.example, which is not one of the organization's servers/) });
  });

  it('keywords on the org origin but off a hosting server: external; no keywords there: the org, not hosted', () => {
    expect(classifyItem({ ...HOSTED, url: 'https://org.maps.arcgis.com/sharing/rest/X/FeatureServer' }, origins)).toMatchObject({ kind: 'external', reason: expect.stringMatching(/not a feature service on one of the organization's hosting servers/) });
    expect(classifyItem({ ...HOSTED, url: `https://tiles.arcgis.com/tiles/${ORG_ID}/arcgis/rest/services/X/FeatureServer` }, origins)).toMatchObject({ kind: 'external' });
    expect(classifyItem({ type: 'Feature Service', typeKeywords: ['Feature Service'], url: `${root}/Parcels/FeatureServer` }, origins)).toEqual({ kind: 'org' });
    expect(classifyItem({ type: 'Web Mapping Application', typeKeywords: [], url: 'https://org.maps.arcgis.com/apps/instant/basic/index.html?appid=1' }, origins)).toEqual({ kind: 'org' });
  });

  it('an item without a URL has nothing to classify; a foreign URL without keywords is still external', () => {
    expect(classifyItem({ ...HOSTED }, origins)).toEqual({ kind: 'none' });
    expect(classifyItem({ ...HOSTED, url: null }, origins)).toEqual({ kind: 'none' });
    expect(classifyItem({ type: 'Map Service', typeKeywords: [], url: 'https://services.arcgisonline.com/arcgis/rest/services/World_Topo_Map/MapServer' }, origins)).toMatchObject({ kind: 'external' });
  });

  it('claims are only type and keyword', () => {
    expect(claimsHostedFeatureService(HOSTED)).toBe(true);
    expect(claimsHostedFeatureService({ type: 'Feature Service', typeKeywords: ['Hosted'] })).toBe(false);
    expect(claimsHostedFeatureService({ type: 'Map Service', typeKeywords: ['Hosted Service'] })).toBe(false);
  });
});
