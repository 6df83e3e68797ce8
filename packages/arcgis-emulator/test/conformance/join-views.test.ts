import { addToServiceDefinition, applyEdits, createFeatureService, getLayer, getService, getViewSources, queryAllFeatures, updateServiceDefinition } from '@esri/arcgis-rest-feature-service';
import { type ArcGISIdentityManager, ArcGISRequestError, request } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../../src/index.js';
import { DEMO_EXPECTATIONS, DEMO_SERVICE_NAMES } from '../../src/seed/demo-expectations.js';
import { demoStationInspection } from '../../src/seed/demo-surveys.js';
import { signInAsAdmin, startTestEmulator } from '../support/emulator.js';
import { serviceUrlOf } from '../support/feature-fixtures.js';

const failure = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error
  );
  expect(e).toBeInstanceOf(ArcGISRequestError);
  return e as ArcGISRequestError & { response: { error: { code: number; message: string; details: string[] } } };
};

/** The `viewLayerDefinition.table` of a join of the demo fire stations with their inspections. */
function stationJoin(related: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Stations',
    sourceServiceName: DEMO_SERVICE_NAMES.fireStations,
    sourceLayerId: 0,
    sourceLayerFields: [{ name: 'STATION_ID', alias: 'Station', source: 'STATION_ID' }],
    relatedTables: [
      {
        name: 'Inspections',
        sourceServiceName: DEMO_SERVICE_NAMES.stationInspections,
        sourceLayerId: 0,
        sourceLayerFields: [{ name: 'SCORE', source: 'SCORE' }],
        type: 'INNER',
        parentKeyFields: ['STATION_ID'],
        keyFields: ['STATION_ID'],
        ...related
      }
    ],
    materialized: false
  };
}

/** Join views (viewLayerDefinition.table) driven by Esri's own client, over the demo organization's join view. */
describe.each(['online', 'enterprise'] as const)("join views with Esri's client (%s)", (kind) => {
  let emu: EmulatorHandle;
  let session: ArcGISIdentityManager;
  const x = DEMO_EXPECTATIONS;
  const joinId = Object.keys(x.views.joins)[0]!;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind });
    session = await signInAsAdmin(emu);
  });
  afterAll(async () => {
    await emu.close();
  });

  it("describes the demo's join view: both sources, the join as addToDefinition takes it, the fields it names", async () => {
    const url = serviceUrlOf(emu, DEMO_SERVICE_NAMES.stationsLatestInspection);
    expect(await getService({ url, authentication: session })).toMatchObject({ isView: true, isUpdatableView: false, capabilities: 'Query' });
    const sources = await getViewSources(url, session);
    expect(sources.services.map((s) => s.serviceItemId)).toEqual(x.views.joins[joinId]);
    for (const name of [DEMO_SERVICE_NAMES.fireStations, DEMO_SERVICE_NAMES.stationInspections]) {
      expect(await getService({ url: serviceUrlOf(emu, name), authentication: session }), name).toMatchObject({ hasViews: true });
    }
    const layer = await getLayer({ url: `${url}/0`, authentication: session });
    expect(layer).toMatchObject({ isView: true, geometryType: 'esriGeometryPoint', objectIdField: 'OBJECTID', relationships: [], hasAttachments: false });
    expect(layer.fields!.map((f) => [f.name, f.alias])).toEqual([
      ['OBJECTID', 'OBJECTID'],
      ['STATION_ID', 'Station'],
      ['STATION_NAME', 'Name'],
      ['LAST_INSPECTED', 'Last inspected'],
      ['LAST_SCORE', 'Last score']
    ]);
    const admin = await request(`${url.replace('/rest/services', '/rest/admin/services')}/0`, { authentication: session, httpMethod: 'GET' });
    const table = (admin as { adminLayerInfo: { viewLayerDefinition: { table: Record<string, unknown> } } }).adminLayerInfo.viewLayerDefinition.table;
    expect(table).toMatchObject({ sourceServiceName: DEMO_SERVICE_NAMES.fireStations, sourceLayerId: 0, relatedTables: [{ sourceServiceName: DEMO_SERVICE_NAMES.stationInspections, type: 'LEFT', parentKeyFields: ['STATION_ID'], keyFields: ['STATION_ID'], topFilter: { topCount: 1 } }] });
  });

  it('answers queries from the joined rows: every station once (LEFT), with its latest inspection (topFilter)', async () => {
    const url = serviceUrlOf(emu, DEMO_SERVICE_NAMES.stationsLatestInspection);
    const all = await queryAllFeatures({ url: `${url}/0`, authentication: session, outFields: '*', returnGeometry: true });
    const stations = [...emu.context.state.getService(DEMO_SERVICE_NAMES.fireStations)!.layers.get(0)!.store.scan()];
    expect(all.features).toHaveLength(8);
    for (const f of all.features) {
      const station = stations.find((h) => h.oid === f.attributes.OBJECTID)!;
      expect(f.attributes.STATION_ID).toBe(station.attributes.STATION_ID);
      expect(f.geometry).toMatchObject({ x: (station.geometry as { x: number }).x });
      const latest = Array.from({ length: 6 }, (_, i) => i).find((i) => demoStationInspection(i).station === station.attributes.STATION_ID);
      expect(f.attributes.LAST_SCORE, String(station.attributes.STATION_ID)).toBe(latest === undefined ? null : demoStationInspection(latest).score);
    }
    // A where clause works on the view's own field names.
    const inspected = await queryAllFeatures({ url: `${url}/0`, authentication: session, where: 'LAST_SCORE IS NOT NULL', outFields: ['STATION_ID'] });
    expect(inspected.features).toHaveLength(6);
  });

  it('refuses edits: advanced views are read-only', async () => {
    const url = serviceUrlOf(emu, DEMO_SERVICE_NAMES.stationsLatestInspection);
    const e = await failure(applyEdits({ url: `${url}/0`, authentication: session, updates: [{ attributes: { OBJECTID: 1, STATION_ID: 'X' } }] }));
    expect(e.response.error).toMatchObject({ code: 400, message: 'Requested operation is not supported by this service.' });
    expect(e.response.error.details[0]).toMatch(/advanced views are read-only/);
    const u = await failure(updateServiceDefinition(`${url}/0`, { authentication: session, updateDefinition: { fields: [{ name: 'STATION_ID', alias: 'x' }] } as never }));
    expect(u.response.error.details[0]).toMatch(/is a join view: its fields cannot be changed/);
  });

  it('creates a join view with addToServiceDefinition; one-to-many INNER joins give a row per match', async () => {
    const created = await createFeatureService({
      authentication: session,
      item: { name: 'Station_Inspections_Join', isView: true, isUpdatableView: false, capabilities: 'Query', spatialReference: { wkid: 102100 } } as never,
      params: { isView: true }
    });
    const url = created.serviceurl;
    const added = await addToServiceDefinition(url, { authentication: session, layers: [{ name: 'Station inspections', adminLayerInfo: { viewLayerDefinition: { table: stationJoin() } } } as never] });
    expect(added).toEqual({ layers: [{ name: 'Station inspections', id: 0 }], success: true });
    const rows = await queryAllFeatures({ url: `${url}/0`, authentication: session, outFields: '*' });
    // Every inspection of stations FS-01..FS-06 (12), none of the stations never inspected; object ids 1..n.
    expect(rows.features).toHaveLength(12);
    expect(rows.features.map((f) => f.attributes.OBJECTID)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(rows.features.map((f) => f.attributes.STATION_ID)).size).toBe(6);
    expect((await getViewSources(url, session)).services.map((s) => s.name)).toEqual([DEMO_SERVICE_NAMES.fireStations, DEMO_SERVICE_NAMES.stationInspections]);

    // What is not built or not valid is refused with what to do, and nothing is added.
    const refused = async (table: Record<string, unknown>, detail: RegExp) => {
      const e = await failure(addToServiceDefinition(url, { authentication: session, layers: [{ name: 'Other', adminLayerInfo: { viewLayerDefinition: { table } } } as never] }));
      expect(e.response.error.details[0]).toMatch(detail);
    };
    await refused(stationJoin({ type: 'RIGHT' }), /type must be INNER or LEFT/);
    await refused(stationJoin({ keyFields: ['NOPE'] }), /keyFields names 'NOPE'/);
    await refused(stationJoin({ keyFields: ['STATION_ID', 'INSPECTOR'] }), /as many fields/);
    await refused(stationJoin({ sourceLayerFields: [{ name: 'STATION_ID', source: 'INSPECTOR' }] }), /two fields named 'STATION_ID'/);
    await refused(stationJoin({ topFilter: { groupByFields: 'STATION_ID', orderByFields: 'INSPECTED DESC', topCount: 0 } }), /topFilter must be/);
    await refused(stationJoin({ sourceServiceName: 'Nope' }), /source service 'Nope' does not exist/);
    await refused({ ...stationJoin(), relatedTables: [] }, /relatedTables must list/);
    expect(emu.context.state.getService('Station_Inspections_Join')!.layers.size).toBe(1);
  });
});
