import { describe, expect, it } from 'vitest';
import { ArcGISFailure } from './arcgis-errors.js';
import { loadOrgOrigins, orgOriginsFrom, urlOrigin } from './org-origins.js';
import { FOREIGN_SPELLINGS, ORG_ID, ORG_SPELLINGS, onlineTestOrigins } from './testing/origin-spellings.js';

const online = onlineTestOrigins();
const enterprise = orgOriginsFrom({
  portalUrl: 'https://gis.city.gov/portal',
  orgId: '0123456789ABCDEF',
  isPortal: true,
  servers: [
    { id: 'a', url: 'https://gis.city.gov/server', serverRole: 'HOSTING_SERVER', isHosted: true, adminUrl: 'https://gis-internal:6443/arcgis' },
    { id: 'b', url: 'https://maps.city.gov/arcgis', serverRole: 'FEDERATED_SERVER', isHosted: false }
  ]
});

describe('urlOrigin', () => {
  it('is the WHATWG origin of plain http(s) URLs, and nothing for user info or other schemes', () => {
    expect(urlOrigin('HTTPS://Org.Maps.ArcGIS.com:443/x')).toBe('https://org.maps.arcgis.com');
    expect(urlOrigin('http://2130706433:7070/')).toBe('http://127.0.0.1:7070');
    expect(urlOrigin('http://0x7f.0.0.1:7070/')).toBe('http://127.0.0.1:7070');
    expect(urlOrigin('http://[0:0:0:0:0:0:0:1]:80/')).toBe('http://[::1]');
    expect(urlOrigin('https://org.maps.arcgis.com@evil.example/')).toBeUndefined();
    expect(urlOrigin('https://evil.example\\@org.maps.arcgis.com/')).toBe('https://evil.example');
    expect(urlOrigin('ftp://org.maps.arcgis.com/')).toBeUndefined();
    expect(urlOrigin('/relative')).toBeUndefined();
  });
});

describe('OrgOrigins (ArcGIS Online, portals/self/urls)', () => {
  it.each(FOREIGN_SPELLINGS)('refuses %j', (url) => {
    expect(online.allows(url)).toBe(false);
    expect(online.hostedFeatureServiceUrl(url)).toBeUndefined();
  });

  it.each(ORG_SPELLINGS)('allows %j', (url) => {
    expect(online.allows(url)).toBe(true);
  });

  it('reads hosts with the portal scheme and builds the org services roots', () => {
    expect(online.servers.map((s) => [s.servicesUrl, s.hosting])).toEqual([
      [`https://services7.arcgis.com/${ORG_ID}/arcgis/rest/services`, true],
      [`https://tiles.arcgis.com/tiles/${ORG_ID}/arcgis/rest/services`, false]
    ]);
    expect(online.problems).toEqual([]);
  });

  it('names only FeatureServers under a hosting server as hosted services', () => {
    const root = `https://services7.arcgis.com/${ORG_ID}/arcgis/rest/services`;
    expect(online.hostedFeatureServiceUrl(`${root}/Parcels/FeatureServer`)).toBe(`${root}/Parcels/FeatureServer`);
    expect(online.hostedFeatureServiceUrl(`${root}/Parcels/FeatureServer/`)).toBe(`${root}/Parcels/FeatureServer`);
    expect(online.hostedFeatureServiceUrl(`${root}/Parcels/FeatureServer/3`)).toBe(`${root}/Parcels/FeatureServer`);
    expect(online.hostedFeatureServiceUrl(`https://services7.arcgis.com/${ORG_ID}/ArcGIS/rest/services/Parcels/FeatureServer`)).toBe(
      `https://services7.arcgis.com/${ORG_ID}/ArcGIS/rest/services/Parcels/FeatureServer`
    );
    for (const url of [
      `https://services7.arcgis.com/OtherOrg12345678/arcgis/rest/services/Parcels/FeatureServer`,
      `https://tiles.arcgis.com/tiles/${ORG_ID}/arcgis/rest/services/Parcels/FeatureServer`,
      `${root}/Parcels/MapServer`,
      `${root}/FeatureServer`,
      `${root}/a/b/c/FeatureServer`,
      `${root}/Parcels/FeatureServer?token=x`,
      `${root}/Parcels/FeatureServer#x`,
      `${root}/Parcels/FeatureServer/0/query`,
      `${root}/..%2F..%2Fevil/FeatureServer`,
      `${root}/../../../evil/Parcels/FeatureServer`,
      `${root}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/x/FeatureServer`
    ]) {
      expect(online.hostedFeatureServiceUrl(url), url).toBeUndefined();
    }
  });

  it('skips entries that are not host names or URLs, and says so', () => {
    const o = orgOriginsFrom({
      portalUrl: 'https://org.maps.arcgis.com',
      orgId: ORG_ID,
      isPortal: false,
      urls: { features: { https: ['evil.example/path', 'a@evil.example', 'services7.arcgis.com', 42, 'evil.example?x'] } }
    });
    expect(o.servers.map((s) => s.origin)).toEqual(['https://services7.arcgis.com']);
    expect(o.problems.join(' ')).toMatch(/cannot use/);
  });

  it('never takes the http list for an https portal', () => {
    const o = orgOriginsFrom({ portalUrl: 'https://org.maps.arcgis.com', orgId: ORG_ID, isPortal: false, urls: { features: { http: ['evil.example'] } } });
    expect([...o.origins]).toEqual(['https://org.maps.arcgis.com']);
  });
});

describe('OrgOrigins (ArcGIS Enterprise, portals/self/servers)', () => {
  it('trusts the portal and the listed servers (not their admin URLs); the hosting server hosts', () => {
    expect([...enterprise.origins].sort()).toEqual(['https://gis.city.gov', 'https://maps.city.gov']);
    expect(enterprise.allows('https://gis-internal:6443/arcgis/admin')).toBe(false);
    expect(enterprise.hostedFeatureServiceUrl('https://gis.city.gov/server/rest/services/Hosted/Parcels/FeatureServer')).toBe(
      'https://gis.city.gov/server/rest/services/Hosted/Parcels/FeatureServer'
    );
    expect(enterprise.hostedFeatureServiceUrl('https://GIS.City.gov:443/Server/rest/services/Hosted/Parcels/FeatureServer/0')).toBe(
      'https://gis.city.gov/Server/rest/services/Hosted/Parcels/FeatureServer'
    );
    // A federated, non-hosting server's feature service is the org's, but not a hosted layer.
    expect(enterprise.allows('https://maps.city.gov/arcgis/rest/services/Roads/FeatureServer')).toBe(true);
    expect(enterprise.hostedFeatureServiceUrl('https://maps.city.gov/arcgis/rest/services/Roads/FeatureServer')).toBeUndefined();
    // On the portal's own origin but outside the hosting server.
    expect(enterprise.hostedFeatureServiceUrl('https://gis.city.gov/portal/rest/services/Hosted/X/FeatureServer')).toBeUndefined();
    expect(enterprise.serverOf('https://maps.city.gov/arcgis/rest/services/Roads/MapServer')?.servicesUrl).toBe('https://maps.city.gov/arcgis/rest/services');
  });
});

describe('loadOrgOrigins', () => {
  const requester = (answers: Record<string, unknown>) => ({
    portalUrl: 'https://gis.city.gov/portal',
    restUrl: 'https://gis.city.gov/portal/sharing/rest',
    asked: [] as string[],
    async request<T>(url: string): Promise<T> {
      this.asked.push(url.replace('https://gis.city.gov/portal/sharing/rest/', ''));
      const answer = answers[url.replace('https://gis.city.gov/portal/sharing/rest/', '')];
      if (answer instanceof Error) throw answer;
      return answer as T;
    }
  });

  it('asks servers of an Enterprise portal and urls of Online', async () => {
    const e = requester({ 'portals/self': { id: 'X', isPortal: true }, 'portals/self/servers': { servers: [{ url: 'https://gis.city.gov/server', serverRole: 'HOSTING_SERVER' }] } });
    expect((await loadOrgOrigins(e)).servers).toHaveLength(1);
    expect(e.asked).toEqual(['portals/self', 'portals/self/servers']);
    const o = requester({ 'portals/self': { id: ORG_ID, isPortal: false }, 'portals/self/urls': { urls: { features: { https: ['services7.arcgis.com'] } } } });
    expect((await loadOrgOrigins(o)).servers).toHaveLength(1);
    expect(o.asked).toEqual(['portals/self', 'portals/self/urls']);
  });

  it('keeps only the portal, with a problem, when the portal refuses to list its servers; throws what may pass', async () => {
    const refused = requester({ 'portals/self': { id: 'X', isPortal: true }, 'portals/self/servers': new ArcGISFailure({ kind: 'forbidden', message: 'no' }) });
    const origins = await loadOrgOrigins(refused);
    expect([...origins.origins]).toEqual(['https://gis.city.gov']);
    expect(origins.problems[0]).toMatch(/did not list the organization's federated servers/);
    const down = requester({ 'portals/self': { id: 'X', isPortal: true }, 'portals/self/servers': new ArcGISFailure({ kind: 'transient', message: '502' }) });
    await expect(loadOrgOrigins(down)).rejects.toThrow('502');
  });
});
