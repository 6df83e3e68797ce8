import { describe, expect, it } from 'vitest';
import { orgLink } from './org-link';

const PORTAL = 'https://demo.maps.arcgis.com';

describe('orgLink', () => {
  it('links http(s) URLs on the organization origin', () => {
    expect(orgLink('https://demo.maps.arcgis.com/arcgis/rest/services/Trees/FeatureServer', PORTAL)).toBe('https://demo.maps.arcgis.com/arcgis/rest/services/Trees/FeatureServer');
    expect(orgLink('  https://DEMO.maps.arcgis.com:443/x  ', `${PORTAL}/`)).toBe('https://demo.maps.arcgis.com/x');
    expect(orgLink('http://gis.example:8080/server/rest/services/A/FeatureServer', 'http://gis.example:8080/portal')).toBe('http://gis.example:8080/server/rest/services/A/FeatureServer');
  });

  it('refuses everything else: other origins, schemes, user info, relative URLs and non-strings', () => {
    for (const url of [
      'https://services.arcgis.com/abc/arcgis/rest/services/Trees/FeatureServer',
      'https://demo.maps.arcgis.com.evil.example/x',
      'https://demo.maps.arcgis.com@evil.example/x',
      'https://user:pass@demo.maps.arcgis.com/x',
      'http://demo.maps.arcgis.com/x',
      'https://demo.maps.arcgis.com:8443/x',
      'javascript:alert(1)//https://demo.maps.arcgis.com',
      'data:text/html,<script>alert(1)</script>',
      '//demo.maps.arcgis.com/x',
      '/api/identities',
      '#step',
      ''
    ]) {
      expect(orgLink(url, PORTAL), url).toBeUndefined();
    }
    expect(orgLink({ toString: () => PORTAL }, PORTAL)).toBeUndefined();
    expect(orgLink('https://demo.maps.arcgis.com/x', 'not a url')).toBeUndefined();
  });
});
