/**
 * URL spellings for the origin tests, against an ArcGIS Online organization at https://org.maps.arcgis.com whose
 * hosted services live on services7.arcgis.com/<ORG_ID> and tiles on tiles.arcgis.com: tricks that must never count as
 * the organization, and real spellings of the organization's own URLs (what fetch would really reach).
 */
import { type OrgOrigins, orgOriginsFrom } from '../org-origins.js';

export const ORG_ID = 'AbCdEfGh12345678';

export const FOREIGN_SPELLINGS = [
  'https://evil.example/https://org.maps.arcgis.com/sharing/rest/content/items/x',
  'https://evil.example/services7.arcgis.com/AbCdEfGh12345678/arcgis/rest/services/X/FeatureServer',
  'https://org.maps.arcgis.com.evil.example/sharing/rest',
  'https://evil.example/x.arcgis.com/rest/services/X/FeatureServer',
  'https://evil.example/?next=https://org.maps.arcgis.com/sharing/rest',
  'https://evil.example/#https://org.maps.arcgis.com',
  'https://org.maps.arcgis.com@evil.example/sharing/rest',
  'https://org.maps.arcgis.com:443@evil.example/',
  'https://evil.example\\@org.maps.arcgis.com/sharing/rest',
  'https://evil.example\\org.maps.arcgis.com',
  'https://user:pw@org.maps.arcgis.com/sharing/rest',
  'https://org.maps.arcgis.com\t.evil.example/',
  'https://org.maps.arcgis.com./sharing/rest',
  'http://org.maps.arcgis.com/sharing/rest',
  'https://org.maps.arcgis.com:8443/sharing/rest',
  'https://ORG.MAPS.ARCGIS.COM.EVIL.EXAMPLE/',
  'https://services7.arcgis.com.evil.example/AbCdEfGh12345678/arcgis/rest/services/X/FeatureServer',
  'https://arcgis.com/sharing/rest',
  'https://www.arcgis.com/sharing/rest',
  'https://services8.arcgis.com/AbCdEfGh12345678/arcgis/rest/services/X/FeatureServer',
  '//org.maps.arcgis.com/sharing/rest',
  '/sharing/rest/content',
  'ftp://org.maps.arcgis.com/sharing/rest',
  'javascript:alert(1)//org.maps.arcgis.com',
  'file:///etc/passwd',
  'data:text/plain,https://org.maps.arcgis.com',
  'https://[::1]/sharing/rest',
  'http://2130706433/',
  'http://0x7f.1/',
  '',
  'not a url'
];

/** Spellings of the organization's own URLs (what fetch would really reach). */
export const ORG_SPELLINGS = [
  'https://org.maps.arcgis.com/sharing/rest/portals/self',
  'HTTPS://ORG.Maps.ArcGIS.com/sharing/rest',
  'https://org.maps.arcgis.com:443/sharing/rest',
  'https://org%2Emaps.arcgis.com/sharing/rest',
  '  https://org.maps.arcgis.com/sharing/rest  ',
  'https://services7.arcgis.com/AbCdEfGh12345678/arcgis/rest/services/X/FeatureServer',
  'https://tiles.arcgis.com/tiles/AbCdEfGh12345678/arcgis/rest/services/T/MapServer'
];

/** The organization the spellings are about, as the portal would list it. */
export function onlineTestOrigins(): OrgOrigins {
  return orgOriginsFrom({
    portalUrl: 'https://org.maps.arcgis.com',
    orgId: ORG_ID,
    isPortal: false,
    urls: { features: { http: ['services7.arcgis.com'], https: ['services7.arcgis.com'] }, tiles: { http: ['tiles.arcgis.com'], https: ['tiles.arcgis.com'] } }
  });
}
