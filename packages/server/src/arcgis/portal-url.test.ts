import { describe, expect, it } from 'vitest';
import { looksLikeArcGISOnline, normalizePortalUrl, PortalUrlError } from './portal-url.js';

describe('normalizePortalUrl', () => {
  it.each([
    ['https://myorg.maps.arcgis.com', 'https://myorg.maps.arcgis.com'],
    ['https://myorg.maps.arcgis.com/', 'https://myorg.maps.arcgis.com'],
    ['https://MyOrg.Maps.ArcGIS.com/home/index.html', 'https://myorg.maps.arcgis.com'],
    ['https://myorg.maps.arcgis.com/home/content.html?view=grid', 'https://myorg.maps.arcgis.com'],
    ['https://myorg.maps.arcgis.com/sharing/rest', 'https://myorg.maps.arcgis.com'],
    ['https://myorg.maps.arcgis.com/sharing/rest/', 'https://myorg.maps.arcgis.com'],
    ['myorg.maps.arcgis.com', 'https://myorg.maps.arcgis.com'],
    ['https://gis.city.gov/portal/home/', 'https://gis.city.gov/portal'],
    ['https://gis.city.gov/portal/sharing/rest/portals/self', 'https://gis.city.gov/portal'],
    ['https://gis.city.gov:7443/arcgis/', 'https://gis.city.gov:7443/arcgis'],
    ['  http://127.0.0.1:7070/portal//  ', 'http://127.0.0.1:7070/portal']
  ])('%s -> %s', (input, expected) => {
    const { portalUrl, restUrl } = normalizePortalUrl(input);
    expect(portalUrl).toBe(expected);
    expect(restUrl).toBe(`${expected}/sharing/rest`);
  });

  it.each(['', '   ', 'ftp://host/portal', 'https://user:pw@host/portal', 'http://'])('rejects %j with a message that says what to enter', (input) => {
    expect(() => normalizePortalUrl(input)).toThrow(PortalUrlError);
    try {
      normalizePortalUrl(input);
    } catch (error) {
      expect((error as Error).message.length).toBeGreaterThan(20);
    }
  });

  it('tells ArcGIS Online from Enterprise by host', () => {
    expect(looksLikeArcGISOnline('https://myorg.maps.arcgis.com')).toBe(true);
    expect(looksLikeArcGISOnline('https://www.arcgis.com')).toBe(true);
    expect(looksLikeArcGISOnline('https://gis.city.gov/portal')).toBe(false);
    expect(looksLikeArcGISOnline('https://arcgis.com.evil.example')).toBe(false);
  });
});
