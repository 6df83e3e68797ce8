import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '../options.js';
import { DEMO_EXPECTATIONS } from './demo-expectations.js';
import { buildInitialState } from './seed.js';

const NOW = Date.UTC(2026, 10, 24, 12);
const ORIGIN = 'http://127.0.0.1:7070';
const dir = mkdtempSync(join(tmpdir(), 'emu-seed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function build(doc: unknown) {
  const file = join(dir, `seed-${n++}.json`);
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return buildInitialState(resolveOptions({ seed: file, port: 0 }), ORIGIN, NOW);
}

const PNG_1x1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';

describe('JSON seed files (--seed FILE.json)', () => {
  it('builds users, folders, groups, services (listed and generated features) and items with data, resources and thumbnails', async () => {
    const { state } = await build({
      format: 'arcgis-emulator-seed/1',
      users: [
        { username: 'ana', fullName: 'Ana Field', role: 'org_publisher', lastLoginDaysAgo: 3 },
        { username: 'vic', role: 'viewer', lastLoginDaysAgo: null, createdDaysAgo: 900 }
      ],
      folders: [{ owner: 'ana', title: 'Work' }],
      groups: [{ title: 'Crew', owner: 'ana', access: 'org', members: ['vic'] }],
      services: [
        {
          name: 'Poles', title: 'Utility Poles', owner: 'ana', folder: 'Work', access: 'org', groups: ['Crew'],
          capabilities: 'Query,Create,Update,Delete,Editing,ChangeTracking',
          layers: [
            { name: 'Poles', geometryType: 'esriGeometryPoint', fields: [{ name: 'TAG', type: 'esriFieldTypeString' }], features: [{ attributes: { TAG: 'P1' }, geometry: { x: 1, y: 2 } }],
              attachments: { '1': [{ name: 'pole.txt', contentType: 'text/plain', text: 'leaning' }] } },
            { name: 'Many', geometryType: 'esriGeometryPolygon', generate: { count: 250000 } }
          ]
        }
      ],
      items: [
        {
          owner: 'ana', folder: 'Work', title: 'Pole map', type: 'Web Map', tags: ['poles'], access: 'shared', groups: ['Crew'],
          data: { json: { operationalLayers: [{ url: '{{servicesRoot}}/Poles/FeatureServer/0', layerType: 'ArcGISFeatureLayer' }], version: '2.33' } },
          resources: [{ path: 'notes/a.json', json: { a: 1 } }],
          thumbnail: { base64: PNG_1x1 },
          modifiedDaysAgo: 400,
          numViews: 0
        },
        { owner: 'ana', title: 'Readme', type: 'PDF', data: { base64: Buffer.from('%PDF-1.4 tiny').toString('base64'), filename: 'readme.pdf', contentType: 'application/pdf' }, thumbnail: 'generate' }
      ]
    });
    const ana = state.getUser('ana')!;
    expect(ana.role).toBe('org_publisher');
    expect(state.getUser('vic')).toMatchObject({ roleId: 'iAAAAAAAAAAAAAAA', userLicenseTypeId: 'viewerUT', lastLogin: -1 });
    const service = state.getService('Poles')!;
    expect(service.layers.get(0)!.store.count()).toBe(1);
    expect(service.layers.get(0)!.attachments.list(1).map((a) => [a.name, a.blob.read().toString()])).toEqual([['pole.txt', 'leaning']]);
    expect(service.layers.get(1)!.store.kind).toBe('lazy');
    expect(service.layers.get(1)!.store.count()).toBe(250000);
    expect(service.layers.get(1)!.store.get(123456)!.geometry).toHaveProperty('rings');
    const map = [...state.items.values()].find((i) => i.json.title === 'Pole map')!;
    const orgId = state.org.id;
    expect(JSON.parse((map.data as { text: string }).text).operationalLayers[0].url).toBe(`${ORIGIN}/${orgId}/arcgis/rest/services/Poles/FeatureServer/0`);
    expect(map.json.ownerFolder).toBe(state.foldersOf('ana')[0]!.id);
    expect(map.json.access).toBe('shared');
    expect([...map.groups]).toEqual([[...state.groups.values()][0]!.id]);
    expect(map.json.modified).toBe(NOW - 400 * 24 * 3600 * 1000);
    expect(map.resources.get('notes/a.json')!.blob.read().toString()).toBe('{"a":1}');
    expect(map.thumbnailBlob!.read().subarray(1, 4).toString()).toBe('PNG');
    const pdfItem = [...state.items.values()].find((i) => i.json.title === 'Readme')!;
    expect(pdfItem.json.name).toBe('readme.pdf');
    // the same file gives the same ids
    const again = await build({ users: [{ username: 'ana' }], items: [{ owner: 'ana', title: 'X', type: 'CSV' }] });
    const again2 = await build({ users: [{ username: 'ana' }], items: [{ owner: 'ana', title: 'X', type: 'CSV' }] });
    expect([...again.state.items.keys()]).toEqual([...again2.state.items.keys()]);
  });

  it('builds a join view from a seed file', async () => {
    const { state } = await build({
      users: [{ username: 'ana', role: 'org_publisher' }],
      services: [
        { name: 'Poles', owner: 'ana', layers: [{ name: 'Poles', geometryType: 'esriGeometryPoint', fields: [{ name: 'TAG', type: 'esriFieldTypeString' }], features: [{ attributes: { TAG: 'P1' } }, { attributes: { TAG: 'P2' } }] }] },
        { name: 'Checks', owner: 'ana', tables: [{ name: 'Checks', fields: [{ name: 'POLE_TAG', type: 'esriFieldTypeString' }, { name: 'RESULT', type: 'esriFieldTypeString' }], features: [{ attributes: { POLE_TAG: 'P1', RESULT: 'ok' } }] }] }
      ],
      views: [
        {
          name: 'Poles_checked', owner: 'ana', updatable: false,
          layers: [{ name: 'Checked', join: { sourceServiceName: 'Poles', sourceLayerId: 0, sourceLayerFields: ['TAG'], relatedTables: [{ sourceServiceName: 'Checks', sourceLayerId: 0, sourceLayerFields: ['RESULT'], type: 'LEFT', parentKeyFields: ['TAG'], keyFields: ['POLE_TAG'] }] } }]
        }
      ]
    });
    const view = state.getService('Poles_checked')!;
    expect(view.layers.get(0)!.view!.join).toMatchObject({ sourceServiceName: 'Poles', relatedTables: [{ sourceServiceName: 'Checks', type: 'LEFT' }] });
    const sources = ['Poles', 'Checks'].map((n) => state.getService(n)!.itemId);
    expect(state.relationships.filter((r) => r.originItemId === view.itemId).map((r) => r.destinationItemId)).toEqual(sources);
  });

  it('builds views of services and relationships between items', async () => {
    const { state } = await build({
      users: [{ username: 'ana', role: 'org_publisher' }],
      groups: [{ title: 'Crew', owner: 'ana' }],
      services: [
        {
          name: 'Poles', owner: 'ana', typeKeywords: ['Survey123'], capabilities: 'Query,Create,Update,Delete,Editing',
          layers: [{ name: 'Poles', geometryType: 'esriGeometryPoint', fields: [{ name: 'TAG', type: 'esriFieldTypeString' }, { name: 'OWNER', type: 'esriFieldTypeString' }],
            features: [{ attributes: { TAG: 'P1', OWNER: 'city' } }, { attributes: { TAG: 'X2', OWNER: 'utility' } }] }]
        }
      ],
      views: [
        {
          name: 'Poles_public', title: 'Poles (public)', owner: 'ana', access: 'public', capabilities: 'Query', updatable: false, typeKeywords: ['FieldworkerView'],
          layers: [{ source: 'Poles', sourceLayerId: 0, viewDefinitionQuery: "TAG LIKE 'P%'", hiddenFields: ['OWNER'] }]
        },
        { name: 'Poles_crew', owner: 'ana', groups: ['Crew'], capabilities: 'Query,Update,Editing', layers: [{ source: 'Poles', fields: ['TAG'] }] }
      ],
      items: [{ owner: 'ana', title: 'Pole survey', type: 'Form' }],
      relationships: [
        { type: 'Survey2Service', origin: 'Pole survey', destination: 'Poles' },
        { type: 'survey2data', origin: 'Pole survey', destination: 'Poles (public)' }
      ]
    });
    const view = state.getService('Poles_public')!;
    expect(view.definition).toMatchObject({ isView: true, isUpdatableView: false, capabilities: 'Query' });
    expect(view.layers.get(0)!.view).toMatchObject({ sourceServiceName: 'Poles', sourceLayerId: 0, hiddenFields: ['owner'] });
    expect(view.layers.get(0)!.definition.viewDefinitionQuery).toBe("TAG LIKE 'P%'");
    const viewItem = state.items.get(view.itemId)!;
    expect(viewItem.json).toMatchObject({ title: 'Poles (public)', access: 'public' });
    expect(viewItem.json.typeKeywords).toEqual(expect.arrayContaining(['FieldworkerView', 'View Service']));
    expect(state.getService('Poles_crew')!.layers.get(0)!.view!.hiddenFields).toEqual(['owner']);
    const form = [...state.items.values()].find((i) => i.json.title === 'Pole survey')!;
    const source = state.getService('Poles')!.itemId;
    expect(state.relationships.map((r) => [r.type, r.originItemId, r.destinationItemId])).toEqual([
      ['Service2Data', view.itemId, source],
      ['Service2Data', state.getService('Poles_crew')!.itemId, source],
      ['Survey2Service', form.json.id, source],
      ['Survey2Data', form.json.id, view.itemId]
    ]);
    const base = { users: [{ username: 'ana' }], services: [{ name: 'S', owner: 'ana', layers: [{ name: 'L' }] }] };
    await expect(build({ ...base, views: [{ name: 'V', owner: 'ana', layers: [{ source: 'Nope' }] }] })).rejects.toThrow(/views\[0\]: layer 1 \(viewLayerDefinition\): source service 'Nope' does not exist/);
    await expect(build({ ...base, views: [{ name: 'V', owner: 'ana', layers: [{ source: 'S', join: {} }] }] })).rejects.toThrow(/names its sources, fields and keys in 'join' only/);
    await expect(build({ ...base, views: [{ name: 'V', owner: 'ana', layers: [{ join: { sourceServiceName: 'S', sourceLayerId: 0, sourceLayerFields: ['x'], relatedTables: [] } }] }] })).rejects.toThrow(/relatedTables must list/);
    await expect(build({ ...base, views: [{ name: 'V', owner: 'ana', layers: [{ source: 'S', viewDefinitionQuery: 'x = 1' }] }] })).rejects.toThrow(/viewDefinitionQuery "x = 1" is not valid/);
    await expect(build({ ...base, views: [{ name: 'V', owner: 'ana', updatable: false, capabilities: 'Query,Create', layers: [{ source: 'S' }] }] })).rejects.toThrow(/cannot have the capabilities Create/);
    await expect(build({ ...base, items: [{ owner: 'ana', title: 'M', type: 'Web Map' }], relationships: [{ type: 'Survey2Service', origin: 'M', destination: 'S' }] })).rejects.toThrow(
      /relationships\[0\]\.origin: A Survey2Service relationship needs an origin of type Form; item '[0-9a-f]{32}' is a Web Map/
    );
    await expect(build({ ...base, relationships: [{ type: 'Map2Nothing', origin: 'S', destination: 'S' }] })).rejects.toThrow(/relationships\[0\]\.type 'Map2Nothing' is not a relationship type/);
  });

  it('extends the demo organization', async () => {
    const { state } = await build({ extends: 'demo', items: [{ owner: 'maria.publisher', title: 'Extra', type: 'CSV' }] });
    for (const id of DEMO_EXPECTATIONS.items.all) expect(state.items.has(id)).toBe(true);
    expect([...state.items.values()].some((i) => i.json.title === 'Extra')).toBe(true);
  });

  it('lists federated servers of an Enterprise portal (portals/self/servers) and refuses them on Online', async () => {
    const file = join(dir, `seed-${n++}.json`);
    writeFileSync(file, JSON.stringify({ federatedServers: [{ url: 'https://gis.example.test/server' }, { url: 'https://img.example.test/image', isHosted: false, serverRole: 'FEDERATED_SERVER_WITH_RESTRICTED_PUBLISHING', serverFunction: 'ImageHosting' }] }));
    const { state } = await buildInitialState(resolveOptions({ seed: file, port: 0, kind: 'enterprise' }), ORIGIN, NOW);
    expect(state.org.federatedServers).toEqual([
      { id: expect.any(String), name: 'gis.example.test', url: 'https://gis.example.test/server', adminUrl: 'https://gis.example.test/server', isHosted: false, serverType: 'ArcGIS', serverRole: 'FEDERATED_SERVER', serverFunction: '' },
      expect.objectContaining({ url: 'https://img.example.test/image', serverRole: 'FEDERATED_SERVER_WITH_RESTRICTED_PUBLISHING', serverFunction: 'ImageHosting' })
    ]);
    await expect(build({ federatedServers: [{ url: 'https://gis.example.test/server' }] })).rejects.toThrow(/federatedServers\[0\]: federated servers are an ArcGIS Enterprise feature/);
  });

  it('reports what is wrong and where', async () => {
    await expect(build('{ "users": [')).rejects.toThrow(/not valid JSON/);
    await expect(build({ users: [{ username: 'x1x', role: 'boss' }] })).rejects.toThrow(/users\[0\]\.role must be one of org_admin, org_publisher, org_user, viewer, not "boss"/);
    await expect(build({ items: [{ owner: 'nobody', title: 'T', type: 'CSV' }] })).rejects.toThrow(/items\[0\]\.owner: user 'nobody' does not exist/);
    await expect(build({ users: [{ username: 'abc' }], items: [{ owner: 'abc', title: 'T', type: 'CSV', colour: 'red' }] })).rejects.toThrow(/items\[0\]\.colour is not a known field/);
    await expect(build({ users: [{ username: 'abc' }], items: [{ owner: 'abc', title: 'T', type: 'CSV', resources: [{ path: '../x', text: 'a' }] }] })).rejects.toThrow(/must be a relative path without '\.\.'/);
    await expect(build({ users: [{ username: 'abc' }], services: [{ name: 'bad name', owner: 'abc' }] })).rejects.toThrow(/services\[0\]: Service name 'bad name' is invalid/);
    await expect(build({ users: [{ username: 'abc' }], services: [{ name: 'S', owner: 'abc', layers: [{ name: 'L', geometrytype: 'x' }] }] })).rejects.toThrow(/services\[0\]\.layers\[0\]\.geometrytype is not a known field/);
    await expect(build({ format: 'v9' })).rejects.toThrow(/format must be "arcgis-emulator-seed\/1"/);
    await expect(buildInitialState(resolveOptions({ seed: join(dir, 'missing.json'), port: 0 }), ORIGIN, NOW)).rejects.toThrow(/cannot read the file \(ENOENT\); give demo, empty or the path/);
  });
});
