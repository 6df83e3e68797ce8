import { addToServiceDefinition, applyEdits, createFeatureService, getLayer, getService, getViewSources, queryAllFeatures, updateServiceDefinition } from '@esri/arcgis-rest-feature-service';
import { type ArcGISIdentityManager, ArcGISRequestError, request } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../../src/index.js';
import { DEMO_EXPECTATIONS, DEMO_SERVICE_NAMES } from '../../src/seed/demo-expectations.js';
import { demoFlowTest } from '../../src/seed/demo-surveys.js';
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

/** The `viewLayerDefinition.table` of a join of the demo hydrants with their flow tests. */
function hydrantJoin(related: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Hydrants',
    sourceServiceName: DEMO_SERVICE_NAMES.water,
    sourceLayerId: 0,
    sourceLayerFields: [{ name: 'FACILITYID', alias: 'Hydrant', source: 'FACILITYID' }],
    relatedTables: [
      {
        name: 'Tests',
        sourceServiceName: DEMO_SERVICE_NAMES.hydrantFlowTests,
        sourceLayerId: 0,
        sourceLayerFields: [{ name: 'FLOW', source: 'FLOW_GPM' }],
        type: 'INNER',
        parentKeyFields: ['FACILITYID'],
        keyFields: ['HYDRANT_ID'],
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
    const url = serviceUrlOf(emu, DEMO_SERVICE_NAMES.hydrantsLatestFlow);
    expect(await getService({ url, authentication: session })).toMatchObject({ isView: true, isUpdatableView: false, capabilities: 'Query' });
    const sources = await getViewSources(url, session);
    expect(sources.services.map((s) => s.serviceItemId)).toEqual(x.views.joins[joinId]);
    for (const name of [DEMO_SERVICE_NAMES.water, DEMO_SERVICE_NAMES.hydrantFlowTests]) {
      expect(await getService({ url: serviceUrlOf(emu, name), authentication: session }), name).toMatchObject({ hasViews: true });
    }
    const layer = await getLayer({ url: `${url}/0`, authentication: session });
    expect(layer).toMatchObject({ isView: true, geometryType: 'esriGeometryPoint', objectIdField: 'OBJECTID', relationships: [], hasAttachments: false });
    expect(layer.fields!.map((f) => [f.name, f.alias])).toEqual([
      ['OBJECTID', 'OBJECTID'],
      ['FACILITYID', 'Facility ID'],
      ['STATUS', 'Status'],
      ['LAST_TEST_DATE', 'Last flow test'],
      ['LAST_FLOW_GPM', 'Last flow (gpm)']
    ]);
    const admin = await request(`${url.replace('/rest/services', '/rest/admin/services')}/0`, { authentication: session, httpMethod: 'GET' });
    const table = (admin as { adminLayerInfo: { viewLayerDefinition: { table: Record<string, unknown> } } }).adminLayerInfo.viewLayerDefinition.table;
    expect(table).toMatchObject({ sourceServiceName: DEMO_SERVICE_NAMES.water, sourceLayerId: 0, relatedTables: [{ sourceServiceName: DEMO_SERVICE_NAMES.hydrantFlowTests, type: 'LEFT', parentKeyFields: ['FACILITYID'], keyFields: ['HYDRANT_ID'], topFilter: { topCount: 1 } }] });
  });

  it('answers queries from the joined rows: every hydrant once (LEFT), with its latest test (topFilter)', async () => {
    const url = serviceUrlOf(emu, DEMO_SERVICE_NAMES.hydrantsLatestFlow);
    const all = await queryAllFeatures({ url: `${url}/0`, authentication: session, outFields: '*', returnGeometry: true });
    const hydrants = [...emu.context.state.getService(DEMO_SERVICE_NAMES.water)!.layers.get(0)!.store.scan()];
    expect(all.features).toHaveLength(hydrants.length);
    for (const f of all.features) {
      const hydrant = hydrants.find((h) => h.oid === f.attributes.OBJECTID)!;
      expect(f.attributes.FACILITYID).toBe(hydrant.attributes.FACILITYID);
      expect(f.geometry).toMatchObject({ x: (hydrant.geometry as { x: number }).x });
      const latest = Array.from({ length: 15 }, (_, i) => i).find((i) => demoFlowTest(i).hydrant === hydrant.attributes.FACILITYID);
      expect(f.attributes.LAST_FLOW_GPM, String(hydrant.attributes.FACILITYID)).toBe(latest === undefined ? null : demoFlowTest(latest).flow);
    }
    // A where clause and statistics work on the view's own field names.
    const tested = await queryAllFeatures({ url: `${url}/0`, authentication: session, where: 'LAST_FLOW_GPM IS NOT NULL', outFields: 'FACILITYID' });
    expect(tested.features).toHaveLength(15);
  });

  it('refuses edits: advanced views are read-only', async () => {
    const url = serviceUrlOf(emu, DEMO_SERVICE_NAMES.hydrantsLatestFlow);
    const e = await failure(applyEdits({ url: `${url}/0`, authentication: session, updates: [{ attributes: { OBJECTID: 1, FACILITYID: 'X' } }] }));
    expect(e.response.error).toMatchObject({ code: 400, message: 'Requested operation is not supported by this service.' });
    expect(e.response.error.details[0]).toMatch(/advanced views are read-only/);
    const u = await failure(updateServiceDefinition(`${url}/0`, { authentication: session, updateDefinition: { fields: [{ name: 'FACILITYID', alias: 'x' }] } as never }));
    expect(u.response.error.details[0]).toMatch(/is a join view: its fields cannot be changed/);
  });

  it('creates a join view with addToServiceDefinition; one-to-many INNER joins give a row per match', async () => {
    const created = await createFeatureService({
      authentication: session,
      item: { name: 'Hydrant_Tests_Join', isView: true, isUpdatableView: false, capabilities: 'Query', spatialReference: { wkid: 102100 } } as never,
      params: { isView: true }
    });
    const url = created.serviceurl;
    const added = await addToServiceDefinition(url, { authentication: session, layers: [{ name: 'Hydrant tests', adminLayerInfo: { viewLayerDefinition: { table: hydrantJoin() } } } as never] });
    expect(added).toEqual({ layers: [{ name: 'Hydrant tests', id: 0 }], success: true });
    const rows = await queryAllFeatures({ url: `${url}/0`, authentication: session, outFields: '*' });
    // Every test of hydrants HYD-1001..1015 (30), none of the untested hydrants; object ids 1..n.
    expect(rows.features).toHaveLength(30);
    expect(rows.features.map((f) => f.attributes.OBJECTID)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(rows.features.map((f) => f.attributes.FACILITYID)).size).toBe(15);
    expect((await getViewSources(url, session)).services.map((s) => s.name)).toEqual([DEMO_SERVICE_NAMES.water, DEMO_SERVICE_NAMES.hydrantFlowTests]);

    // What is not built or not valid is refused with what to do, and nothing is added.
    const refused = async (table: Record<string, unknown>, detail: RegExp) => {
      const e = await failure(addToServiceDefinition(url, { authentication: session, layers: [{ name: 'Other', adminLayerInfo: { viewLayerDefinition: { table } } } as never] }));
      expect(e.response.error.details[0]).toMatch(detail);
    };
    await refused(hydrantJoin({ type: 'RIGHT' }), /type must be INNER or LEFT/);
    await refused(hydrantJoin({ keyFields: ['NOPE'] }), /keyFields names 'NOPE'/);
    await refused(hydrantJoin({ keyFields: ['HYDRANT_ID', 'TESTED_BY'] }), /as many fields/);
    await refused(hydrantJoin({ sourceLayerFields: [{ name: 'FACILITYID', source: 'TESTED_BY' }] }), /two fields named 'FACILITYID'/);
    await refused(hydrantJoin({ topFilter: { groupByFields: 'HYDRANT_ID', orderByFields: 'TEST_DATE DESC', topCount: 0 } }), /topFilter must be/);
    await refused(hydrantJoin({ sourceServiceName: 'Nope' }), /source service 'Nope' does not exist/);
    await refused({ ...hydrantJoin(), relatedTables: [] }, /relatedTables must list/);
    expect(emu.context.state.getService('Hydrant_Tests_Join')!.layers.size).toBe(1);
  });
});
