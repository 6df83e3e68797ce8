import { getService } from '@esri/arcgis-rest-feature-service';
import { ArcGISIdentityManager, request } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../../src/index.js';
import { addUser } from '../portal/fixtures.js';
import { rawRequest, signInAsAdmin, startTestEmulator } from '../support/emulator.js';

interface ServersAnswer {
  servers: { id: string; name: string; url: string; adminUrl: string; isHosted: boolean; serverType: string; serverRole: string; serverFunction: string }[];
}
interface UrlsAnswer {
  urls: Record<'features' | 'tiles', Record<string, string[]>>;
}

/**
 * The organization's servers, asked the way Esri's Python API asks (`portals/self/servers` on Enterprise,
 * `portals/self/urls` on Online) through Esri's rest-js `request()`, and the URLs they give reach the org's services.
 */
describe('portals/self/servers (ArcGIS Enterprise)', () => {
  let emu: EmulatorHandle;
  let admin: ArcGISIdentityManager;
  let member: ArcGISIdentityManager;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'enterprise' });
    admin = await signInAsAdmin(emu);
    const user = addUser(emu, 'member_servers', { role: 'org_user' });
    member = await ArcGISIdentityManager.signIn({ username: user.username, password: user.password, portal: emu.restUrl });
  }, 60_000);
  afterAll(async () => {
    await emu?.close();
  });

  it('lists the hosting server with the documented keys, as self and as the org id', async () => {
    const answer = (await request(`${emu.restUrl}/portals/self/servers`, { authentication: admin, httpMethod: 'GET' })) as ServersAnswer;
    expect(answer.servers).toEqual([
      {
        id: expect.stringMatching(/^[A-Za-z0-9]{16}$/),
        name: new URL(emu.portalUrl).host,
        url: emu.context.urls.serverUrl,
        adminUrl: emu.context.urls.serverUrl,
        isHosted: true,
        serverType: 'ArcGIS',
        serverRole: 'HOSTING_SERVER',
        serverFunction: ''
      }
    ]);
    expect(await request(`${emu.restUrl}/portals/${emu.orgId}/servers`, { authentication: member, httpMethod: 'GET' })).toEqual(answer);
  });

  it("the hosting server's URL is where the org's hosted services are (rest/services/Hosted/<name>/FeatureServer)", async () => {
    const { servers } = (await request(`${emu.restUrl}/portals/self/servers`, { authentication: admin, httpMethod: 'GET' })) as ServersAnswer;
    const hosted = [...emu.context.state.items.values()].find((i) => i.json.type === 'Feature Service' && i.json.typeKeywords.includes('Hosted Service'))!;
    expect(String(hosted.json.url).startsWith(`${servers[0]!.url}/rest/services/Hosted/`)).toBe(true);
    const service = await getService({ url: String(hosted.json.url), authentication: admin });
    expect(service).toHaveProperty('layers');
  });

  it('adds the federated servers the state lists after the hosting server', async () => {
    emu.context.state.org.federatedServers = [
      { id: 'FedServer00000001', name: 'gis.example.test', url: 'https://gis.example.test/server', adminUrl: 'https://gis.example.test:6443/arcgis', isHosted: false, serverType: 'ArcGIS', serverRole: 'FEDERATED_SERVER', serverFunction: '' }
    ];
    try {
      const { servers } = (await request(`${emu.restUrl}/portals/self/servers`, { authentication: admin, httpMethod: 'GET' })) as ServersAnswer;
      expect(servers.map((s) => [s.url, s.serverRole])).toEqual([
        [emu.context.urls.serverUrl, 'HOSTING_SERVER'],
        ['https://gis.example.test/server', 'FEDERATED_SERVER']
      ]);
    } finally {
      emu.context.state.org.federatedServers = [];
    }
  });

  it('asks anonymous callers for a token and refuses another portal id', async () => {
    expect((await rawRequest(`${emu.restUrl}/portals/self/servers`)).body).toMatchObject({ error: { code: 499, messageCode: 'GWM_0003' } });
    const token = await admin.getToken(emu.restUrl);
    expect((await rawRequest(`${emu.restUrl}/portals/NOTANORG/servers`, { token })).body).toMatchObject({ error: { code: 400 } });
  });

  it('urls lists the hosting server (full URL, as in Esri’s example)', async () => {
    const { urls } = (await request(`${emu.restUrl}/portals/self/urls`, { authentication: admin, httpMethod: 'GET' })) as UrlsAnswer;
    expect(urls).toEqual({ tiles: { https: [emu.context.urls.serverUrl] }, features: { https: [emu.context.urls.serverUrl] } });
  });
});

describe('portals/self/urls (ArcGIS Online)', () => {
  let emu: EmulatorHandle;
  let admin: ArcGISIdentityManager;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    admin = await signInAsAdmin(emu);
  }, 60_000);
  afterAll(async () => {
    await emu?.close();
  });

  it("lists the feature and tile hosts; https://<host>/<orgId>/arcgis/rest/services is the org's services root", async () => {
    const { urls } = (await request(`${emu.restUrl}/portals/self/urls`, { authentication: admin, httpMethod: 'GET' })) as UrlsAnswer;
    const host = new URL(emu.portalUrl).host;
    expect(urls.features).toEqual({ http: [host], https: [host] });
    expect(urls.tiles).toEqual({ http: [host], https: [host] });
    // What Esri's Python API builds from a host (with the emulator's scheme): every hosted service lives under it.
    const root = `http://${urls.features.http![0]}/${emu.orgId}/arcgis/rest/services/`;
    const hosted = [...emu.context.state.items.values()].filter((i) => i.json.type === 'Feature Service' && i.json.typeKeywords.includes('Hosted Service'));
    expect(hosted.length).toBeGreaterThan(0);
    for (const item of hosted) expect(String(item.json.url).startsWith(root)).toBe(true);
    const service = await getService({ url: String(hosted[0]!.json.url), authentication: admin });
    expect(service).toHaveProperty('layers');
  });

  it('does not answer portals/self/servers ("not applicable to ArcGIS Online")', async () => {
    await expect(request(`${emu.restUrl}/portals/self/servers`, { authentication: admin, httpMethod: 'GET' })).rejects.toMatchObject({ response: { error: { code: 400 } } });
  });
});
