import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostedService } from '../src/features/hosted-service.factory.js';
import { type EmulatorHandle } from '../src/index.js';
import { addTestUser } from './support/content-fixtures.js';
import { rawRequest, startTestEmulator } from './support/emulator.js';
import { createTreesService, expectShape, serviceUrlOf, TREE_COUNT, tokenFor, tree } from './support/feature-fixtures.js';

type Body = Record<string, unknown>;
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/features/${name}.json`, import.meta.url), 'utf8')) as never;

describe.each(['online', 'enterprise'] as const)('hosted feature services over HTTP (%s)', (kind) => {
  let emu: EmulatorHandle;
  let token: string;
  let url: string;
  const get = async (path: string, params: Record<string, string | number | boolean> = {}, withToken = true) =>
    (await rawRequest(`${url}${path}`, withToken ? { token, ...params } : params)).body as Body;
  const post = async (path: string, params: Record<string, string | number | boolean> = {}) =>
    (await rawRequest(`${url}${path}`, { token, ...params }, { method: 'POST' })).body as Body;

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty', kind });
    createTreesService(emu);
    token = await tokenFor(emu, emu.admin.username, emu.admin.password);
    url = serviceUrlOf(emu, 'Trees');
  });
  afterAll(async () => {
    await emu.close();
  });

  it('serves hosted services under the kind’s services root', () => {
    expect(url).toMatch(kind === 'online' ? /\/arcgis\/rest\/services\/Trees\/FeatureServer$/ : /\/server\/rest\/services\/Hosted\/Trees\/FeatureServer$/);
  });

  it('answers the service, layer and /layers resources in ArcGIS’s shapes', async () => {
    const service = await get('');
    expectShape(service, fixture('service'));
    expect(service.layers).toEqual([
      { id: 0, name: 'Trees', parentLayerId: -1, defaultVisibility: true, subLayerIds: null, minScale: 0, maxScale: 0, geometryType: 'esriGeometryPoint' }
    ]);
    expect((service.tables as Body[])[0]).toMatchObject({ id: 1, name: 'Inspections' });
    expect(service.serviceItemId).toBe(emu.context.state.getService('trees')!.itemId);
    expect((service.relationships as Body[])[0]).toMatchObject({ id: 0, originLayerId: 0, destinationLayerId: 1, originPrimaryKey: 'GlobalID', originForeignKey: 'TreeGlobalID' });

    const layer = await get('/0');
    expectShape(layer, fixture('layer'));
    expect(layer.maxRecordCount).toBe(10);
    expect(layer.editFieldsInfo).toEqual({ creationDateField: 'CreationDate', creatorField: 'Creator', editDateField: 'EditDate', editorField: 'Editor' });
    const species = (layer.fields as Body[]).find((f) => f.name === 'species')!;
    expect(species).toMatchObject({ type: 'esriFieldTypeString', length: 32, nullable: true, editable: true });
    expect((species.domain as Body).type).toBe('codedValue');

    const table = await get('/1');
    expect(table.type).toBe('Table');
    expect(table).not.toHaveProperty('geometryType');

    const all = await get('/layers');
    expect((all.layers as Body[]).map((l) => l.name)).toEqual(['Trees']);
    expect((all.tables as Body[]).map((l) => l.name)).toEqual(['Inspections']);
  });

  it('answers unknown layers, features and services with ArcGIS errors', async () => {
    expect(((await get('/7')).error as Body).code).toBe(400);
    expect(((await get('/0/999')).error as Body).code).toBe(404);
    const missing = (await rawRequest(serviceUrlOf(emu, 'Nope'), { token })).body as Body;
    expect(missing).toEqual(
      kind === 'online'
        ? { error: { code: 400, message: 'Invalid URL', details: ['Invalid URL'] } }
        : { error: { code: 500, message: 'Service Hosted/Nope/FeatureServer not found ', details: [] } }
    );
    const missingAdmin = (await rawRequest(`${emu.context.urls.adminServicesRoot}/Nope/FeatureServer/updateDefinition`, { token, updateDefinition: '{}' }, { method: 'POST' })).body as Body;
    expect((missingAdmin.error as Body).message).toBe(kind === 'online' ? 'Invalid URL' : "Service 'Nope'.'FeatureServer' does not exist in folder 'Hosted'.");
    const getOnPost = await get('/0/applyEdits');
    expect((getOnPost.error as Body).code).toBe(405);
  });

  describe('query', () => {
    it('filters with where, orders, picks fields and reports the shape of Esri’s captures', async () => {
      const body = await get('/0/query', { where: "species = 'Oak' AND height > 3", outFields: 'OBJECTID,species,height', orderByFields: 'height DESC' });
      expectShape(body, fixture('query'));
      const expected = Array.from({ length: TREE_COUNT }, (_, i) => i + 1).filter((n) => n % 5 === 0 && n * 1.5 > 3);
      const features = body.features as { attributes: Body; geometry: Body }[];
      expect(features.map((f) => f.attributes.height)).toEqual(expected.map((n) => n * 1.5).sort((a, b) => b - a));
      expect(Object.keys(features[0]!.attributes)).toEqual(['OBJECTID', 'species', 'height']);
      // Only the fields asked for (ArcGIS does not add the objectId field by itself).
      const only = await get('/0/query', { where: 'OBJECTID = 1', outFields: 'species' });
      expect((only.features as { attributes: Body }[])[0]!.attributes).toEqual({ species: 'Maple' });
      // Without outFields, only the objectId field.
      const bare = await get('/0/query', { where: 'OBJECTID = 1' });
      expect((bare.features as { attributes: Body }[])[0]!.attributes).toEqual({ OBJECTID: 1 });
      expect(body).not.toHaveProperty('exceededTransferLimit');
    });

    it('supports the SQL that clients send', async () => {
      const ids = async (where: string) => ((await get('/0/query', { where, returnIdsOnly: true })).objectIds as number[]) ?? [];
      const all = Array.from({ length: TREE_COUNT }, (_, i) => i + 1);
      expect(await ids('1=1')).toEqual(all);
      expect(await ids("species IN ('Oak', 'Pine')")).toEqual(all.filter((n) => n % 5 === 0 || n % 5 === 2));
      expect(await ids("species NOT IN ('Oak', 'Pine')")).toEqual(all.filter((n) => n % 5 !== 0 && n % 5 !== 2));
      expect(await ids("species LIKE 'O%'")).toEqual(all.filter((n) => n % 5 === 0 || n % 5 === 4));
      expect(await ids("species LIKE 'O''Neil%'")).toEqual(all.filter((n) => n % 5 === 4));
      expect(await ids("species LIKE '_ak'")).toEqual(all.filter((n) => n % 5 === 0));
      expect(await ids('inspector IS NULL')).toEqual(all.filter((n) => n % 5 === 0));
      expect(await ids('inspector IS NOT NULL AND NOT (height < 30)')).toEqual(all.filter((n) => n % 5 !== 0 && n * 1.5 >= 30));
      expect(await ids('height BETWEEN 3 AND 6')).toEqual([2, 3, 4]);
      expect(await ids("planted >= timestamp '2010-01-01 00:00:00' AND planted < date '2012-01-01'")).toEqual(all.filter((n) => [10, 11].includes(n % 20)));
      expect(await ids("UPPER(status) = 'OK' OR objectid = 1")).toEqual(all.filter((n) => n % 2 === 0 || n === 1));
      expect(await ids('objectid <> 3 AND objectid != 4 AND objectid <= 5')).toEqual([1, 2, 5]);
      // String comparison follows the data store's collation: ArcGIS Online's SQL Server ignores case, PostgreSQL does not.
      expect(await ids("status = 'OK'")).toEqual(kind === 'online' ? all.filter((n) => n % 2 === 0) : []);
    });

    it('answers bad where clauses and unknown fields as ArcGIS does', async () => {
      const message = kind === 'online' ? 'Cannot perform query. Invalid query parameters.' : 'Unable to complete operation.';
      const unknownField = await get('/0/query', { where: 'nosuchfield = 1' });
      expect((unknownField.error as Body).message).toBe(message);
      expect((unknownField.error as Body).details).toEqual(["'Invalid field: nosuchfield' parameter is invalid"]);
      expect((unknownField.error as Body).code).toBe(400);
      for (const where of ["species = 'Oak", 'height >', 'species = Oak AND', "planted > date 'nope'", 'height']) {
        const body = await get('/0/query', { where });
        expect(body.error, where).toMatchObject({ code: 400, message, details: ["'where' parameter is invalid"] });
      }
      const badOutField = await get('/0/query', { where: '1=1', outFields: 'species,bogus' });
      expect((badOutField.error as Body).details).toEqual(["'Invalid field: bogus' parameter is invalid"]);
      expectShape(badOutField, fixture('error'));
    });

    it('pages with resultOffset/resultRecordCount, caps pages at maxRecordCount and says when more remain', async () => {
      const first = await get('/0/query', { where: '1=1', outFields: '*' });
      expect((first.features as unknown[]).length).toBe(10);
      expect(first.exceededTransferLimit).toBe(true);
      const big = await get('/0/query', { where: '1=1', resultRecordCount: 500 });
      expect((big.features as unknown[]).length).toBe(10);
      const page3 = await get('/0/query', { where: '1=1', resultOffset: 20, resultRecordCount: 10, orderByFields: 'OBJECTID' });
      expect((page3.features as { attributes: Body }[]).map((f) => f.attributes.OBJECTID)).toEqual([21, 22, 23, 24, 25]);
      expect(page3).not.toHaveProperty('exceededTransferLimit');
      // Stable paging by objectId.
      const seen: number[] = [];
      let last = 0;
      for (;;) {
        const page = await get('/0/query', { where: `OBJECTID > ${last}`, orderByFields: 'OBJECTID ASC', resultRecordCount: 7 });
        const oids = (page.features as { attributes: Body }[]).map((f) => f.attributes.OBJECTID as number);
        seen.push(...oids);
        if (!page.exceededTransferLimit) break;
        last = oids[oids.length - 1]!;
      }
      expect(seen).toEqual(Array.from({ length: TREE_COUNT }, (_, i) => i + 1));
    });

    it('answers ids (not capped) and counts', async () => {
      const ids = await get('/0/query', { where: 'height > 0', returnIdsOnly: true });
      expectShape(ids, fixture('query.ids'), '$', true);
      expect((ids.objectIds as number[]).length).toBe(TREE_COUNT);
      const count = await get('/0/query', { where: "status = 'ok'", returnCountOnly: true });
      expectShape(count, fixture('query.count'), '$', true);
      expect(count.count).toBe(12);
      expect((await get('/0/query', { objectIds: '3,1,99', returnIdsOnly: true })).objectIds).toEqual([1, 3]);
    });

    it('projects to outSR and filters by envelope', async () => {
      const wgs = await get('/0/query', { objectIds: '1', outSR: 4326, returnGeometry: true });
      expect(wgs.spatialReference).toEqual({ wkid: 4326, latestWkid: 4326 });
      const g = (wgs.features as { geometry: { x: number; y: number } }[])[0]!.geometry;
      expect(g.x).toBeCloseTo(tree(1).geometry!.x as number, 8);
      expect(g.y).toBeCloseTo(tree(1).geometry!.y as number, 8);
      const merc = await get('/0/query', { objectIds: '1', outSR: JSON.stringify({ wkid: 3857 }) });
      expect((merc.features as { geometry: { x: number } }[])[0]!.geometry.x).toBeCloseTo(((tree(1).geometry!.x as number) * Math.PI * 6378137) / 180, 4);
      // An envelope in WGS84 around trees 3..5.
      const env = { xmin: -117.1975, ymin: 34.0525, xmax: -117.1945, ymax: 34.0555, spatialReference: { wkid: 4326 } };
      const inside = await get('/0/query', { geometry: JSON.stringify(env), geometryType: 'esriGeometryEnvelope', spatialRel: 'esriSpatialRelIntersects', returnIdsOnly: true });
      expect(inside.objectIds).toEqual([3, 4, 5]);
      const noGeometry = await get('/0/query', { objectIds: '1', returnGeometry: false });
      expect((noGeometry.features as Body[])[0]).not.toHaveProperty('geometry');
    });

    it('answers f=geojson as an RFC 7946 FeatureCollection in WGS84', async () => {
      const body = await get('/0/query', { where: '1=1', outFields: 'OBJECTID,species', f: 'geojson', resultRecordCount: 2 });
      expectShape(body, fixture('query.geojson'));
      expect(body.properties).toEqual({ exceededTransferLimit: true });
      const f = (body.features as { id: number; geometry: { coordinates: number[] }; properties: Body }[])[0]!;
      expect(f.id).toBe(1);
      expect(f.properties).toEqual({ OBJECTID: 1, species: 'Maple' });
      expect(f.geometry.coordinates[0]).toBeCloseTo(-117.199, 8);
      const last = await get('/0/query', { where: 'objectid > 24', f: 'geojson' });
      expect(last).not.toHaveProperty('properties');
    });

    it('refuses f=pbf with an error instead of wrong bytes', async () => {
      const res = await rawRequest(`${url}/0/query`, { token, where: '1=1', f: 'pbf' });
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(((res.body as Body).error as Body).code).toBe(400);
    });

    it('reads one feature and related records', async () => {
      expectShape(await get('/0/1'), fixture('feature'));
      const related = await get('/0/queryRelatedRecords', { objectIds: '1,2', relationshipId: 0, outFields: '*' });
      expectShape(related, fixture('queryRelated'));
      const groups = related.relatedRecordGroups as { objectId: number; relatedRecords: { attributes: Body }[] }[];
      expect(groups).toHaveLength(1);
      expect(groups[0]!.relatedRecords.map((r) => r.attributes.result)).toEqual(['pass', 'fail']);
    });
  });

  describe('access', () => {
    it('asks anonymous callers for a token on private services and serves public ones', async () => {
      const anon = await get('/0/query', { where: '1=1' }, false);
      expect(anon).toEqual({ error: { code: 499, message: 'Token Required', details: [], messageCode: 'GWM_0003' } });
      const item = emu.context.state.items.get(emu.context.state.getService('trees')!.itemId)!;
      item.json.access = 'public';
      try {
        const pub = await get('/0/query', { where: '1=1', returnCountOnly: true }, false);
        expect(pub.count).toBe(TREE_COUNT);
      } finally {
        item.json.access = 'private';
      }
    });

    it('forbids users who cannot read the item', async () => {
      const user = addTestUser(emu, `viewer_${kind}`, 'org_user');
      const userToken = await tokenFor(emu, user.username, user.password);
      const body = (await rawRequest(`${url}/0/query`, { token: userToken, where: '1=1' })).body as Body;
      expect((body.error as Body).code).toBe(403);
      const admin = (await rawRequest(`${emu.context.urls.adminServicesRoot}/Trees/FeatureServer`, { token: userToken })).body as Body;
      expect((admin.error as Body).code).toBe(403);
    });

    it('refuses a query when the service has no Query capability', async () => {
      createHostedService(emu.context, { name: `NoQuery_${kind}`, owner: emu.admin.username, access: 'public', capabilities: 'Editing,Create', layers: [{ name: 'L' }] });
      const body = (await rawRequest(`${serviceUrlOf(emu, `NoQuery_${kind}`)}/0/query`, { where: '1=1' })).body as Body;
      expect(body.error).toMatchObject({ code: 400, message: 'Requested operation is not supported by this service.' });
    });
  });

  describe('edits', () => {
    it('adds, updates and deletes with applyEdits, maintains editor tracking and edit dates, not the item', async () => {
      const service = emu.context.state.getService('trees')!;
      const item = emu.context.state.items.get(service.itemId)!;
      const modified = item.json.modified;
      const before = (await get('/0')).editingInfo as Body;
      emu.context.clock.offsetMs += 60_000;
      try {
        const body = await post('/0/applyEdits', {
          adds: JSON.stringify([{ attributes: { species: 'Oak', status: 'ok', height: 3 }, geometry: { x: -117.3, y: 34.1, spatialReference: { wkid: 4326 } } }]),
          updates: JSON.stringify([{ attributes: { OBJECTID: 6, height: 99, species: 'Pine' } }]),
          deletes: '7'
        });
        expectShape(body, fixture('applyEdits'));
        const added = (body.addResults as Body[])[0]!;
        expect(added).toMatchObject({ objectId: TREE_COUNT + 1, success: true });
        expect(body.updateResults).toEqual([{ objectId: 6, uniqueId: 6, globalId: expect.stringMatching(/^\{[0-9A-F-]{36}\}$/), success: true }]);
        expect((body.deleteResults as Body[])[0]).toMatchObject({ objectId: 7, success: true });

        const feature = ((await get('/0/query', { objectIds: String(added.objectId), outFields: '*', outSR: 4326 })).features as { attributes: Body; geometry: Body }[])[0]!;
        expect(feature.attributes).toMatchObject({ species: 'Oak', status: 'ok', Creator: emu.admin.username, Editor: emu.admin.username, GlobalID: added.globalId });
        expect(feature.geometry.x).toBeCloseTo(-117.3, 8);
        const six = ((await get('/0/6')).feature as { attributes: Body }).attributes;
        expect(six).toMatchObject({ height: 99, species: 'Pine', Editor: emu.admin.username, Creator: emu.admin.username });
        expect(six.EditDate as number).toBeGreaterThanOrEqual((six.CreationDate as number) + 60_000);
        expect(((await get('/0/7')).error as Body).code).toBe(404);

        const after = (await get('/0')).editingInfo as Body;
        expect(after.lastEditDate as number).toBeGreaterThan(before.lastEditDate as number);
        expect(after.dataLastEditDate as number).toBeGreaterThan(before.dataLastEditDate as number);
        expect(after.schemaLastEditDate).toBe(before.schemaLastEditDate);
        expect(item.json.modified).toBe(modified);
      } finally {
        emu.context.clock.offsetMs -= 60_000;
      }
    });

    it('validates edits with Esri’s edit error codes and rolls back by default', async () => {
      const countBefore = (await get('/0/query', { where: '1=1', returnCountOnly: true })).count;
      const body = await post('/0/applyEdits', {
        adds: JSON.stringify([
          { attributes: { species: 'Oak', status: 'ok' } },
          { attributes: { species: 'Oak', status: null } },
          { attributes: { species: 'x'.repeat(40), status: 'ok' } },
          { attributes: { height: 'tall', status: 'ok' } },
          { attributes: { status: 'ok' }, geometry: { x: 'a' } }
        ]),
        updates: JSON.stringify([{ attributes: { OBJECTID: 9999, height: 1 } }, { attributes: { OBJECTID: 8, GlobalID: '{00000000-0000-0000-0000-000000000000}', Creator: 'me' } }]),
        deletes: '9999'
      });
      const adds = body.addResults as Body[];
      expect(adds[0]).toEqual({ objectId: -1, globalId: null, success: false, error: { code: 1003, description: 'Operation rolled back.' } });
      expect(adds[1]!.error).toEqual({ code: 1001, description: 'Field: status is not nullable. Cannot set null value.' });
      expect(adds[2]!.error).toEqual({ code: 1016, description: 'Setting of value for species failed.' });
      expect(adds[3]!.error).toEqual({ code: 1016, description: 'Setting of value for height failed.' });
      expect(adds[4]!.error).toEqual({ code: 1015, description: 'Geometry could not be set.' });
      expectShape(adds[1], fixture('editError'));
      expect((body.updateResults as Body[])[0]).toEqual({ objectId: 9999, globalId: null, success: false, error: { code: 1011, description: 'Object is missing.' } });
      // system-maintained fields are ignored, so the second update alone would have succeeded; it is rolled back
      expect(((body.updateResults as Body[])[1]!.error as Body).code).toBe(1003);
      expect(((body.deleteResults as Body[])[0]!.error as Body).code).toBe(1011);
      expect((await get('/0/query', { where: '1=1', returnCountOnly: true })).count).toBe(countBefore);

      const partial = await post('/0/applyEdits', {
        adds: JSON.stringify([{ attributes: { status: 'ok' } }, { attributes: { status: null } }]),
        rollbackOnFailure: false
      });
      expect((partial.addResults as Body[]).map((r) => r.success)).toEqual([true, false]);
      expect((await get('/0/query', { where: '1=1', returnCountOnly: true })).count).toBe((countBefore as number) + 1);
    });

    it('edits with addFeatures, updateFeatures, deleteFeatures (objectIds or where) and useGlobalIds', async () => {
      const guid = '{6A1E0C41-5B2D-4C47-9E9A-0123456789AB}';
      // Without useGlobalIds a client's GlobalID is ignored and the server makes one.
      const plain = await post('/0/addFeatures', { features: JSON.stringify([{ attributes: { GlobalID: guid, status: 'ok', inspector: 'gid' } }]) });
      const plainResult = (plain.addResults as Body[])[0]!;
      expect(plainResult.success).toBe(true);
      expect(plainResult.globalId).not.toBe(guid);

      const withGid = await post('/0/applyEdits', { useGlobalIds: true, adds: JSON.stringify([{ attributes: { GlobalID: guid, status: 'ok' } }]) });
      const withGidResult = (withGid.addResults as Body[])[0]!;
      expect(withGidResult).toMatchObject({ success: true, globalId: guid });
      const dup = await post('/0/applyEdits', { useGlobalIds: true, adds: JSON.stringify([{ attributes: { GlobalID: guid.toLowerCase(), status: 'ok' } }]) });
      expect(((dup.addResults as Body[])[0]!.error as Body).code).toBe(1022);
      const noGid = await post('/0/applyEdits', { useGlobalIds: true, adds: JSON.stringify([{ attributes: { status: 'ok' } }]) });
      expect(((noGid.addResults as Body[])[0]!.error as Body).code).toBe(1020);

      const upd = await post('/0/updateFeatures', { features: JSON.stringify([{ attributes: { OBJECTID: plainResult.objectId as number, inspector: 'upd' } }]) });
      expect((upd.updateResults as Body[])[0]).toMatchObject({ objectId: plainResult.objectId, success: true });
      const updGid = await post('/0/applyEdits', { useGlobalIds: true, updates: JSON.stringify([{ attributes: { GlobalID: guid, inspector: 'gid-upd' } }]) });
      expect((updGid.updateResults as Body[])[0]).toMatchObject({ objectId: withGidResult.objectId, success: true });
      const delGid = await post('/0/applyEdits', { useGlobalIds: true, deletes: JSON.stringify([guid]) });
      expect((delGid.deleteResults as Body[])[0]).toMatchObject({ objectId: withGidResult.objectId, globalId: guid, success: true });

      const byWhere = await post('/0/deleteFeatures', { where: "inspector = 'upd'" });
      expect(byWhere.deleteResults).toEqual([{ objectId: plainResult.objectId, uniqueId: plainResult.objectId, globalId: plainResult.globalId, success: true }]);
      const missing = await post('/0/deleteFeatures', { objectIds: '99999' });
      expect(((missing.deleteResults as Body[])[0]!.error as Body).code).toBe(1011);
      const noFilter = await post('/0/deleteFeatures', {});
      expect((noFilter.error as Body).code).toBe(400);
    });

    it('applies edits to several layers in one service-level applyEdits, all or nothing', async () => {
      const ok = (await rawRequest(`${url}/applyEdits`, {
        token,
        returnEditMoment: true,
        edits: JSON.stringify([
          { id: 0, updates: [{ attributes: { OBJECTID: 9, inspector: 'svc' } }] },
          { id: 1, adds: [{ attributes: { result: 'svc-level' } }] }
        ])
      }, { method: 'POST' })).body as Body[];
      expect(ok.map((r) => r.id)).toEqual([0, 1]);
      expect((ok[0]!.updateResults as Body[])[0]).toMatchObject({ objectId: 9, success: true });
      expect((ok[1]!.addResults as Body[])[0]).toMatchObject({ success: true });
      expect(typeof ok[0]!.editMoment).toBe('number');

      const failed = (await rawRequest(`${url}/applyEdits`, {
        token,
        edits: JSON.stringify([
          { id: 0, updates: [{ attributes: { OBJECTID: 9, inspector: 'never' } }] },
          { id: 1, deletes: [424242] }
        ])
      }, { method: 'POST' })).body as Body[];
      expect(((failed[0]!.updateResults as Body[])[0]!.error as Body).code).toBe(1003);
      expect(((failed[1]!.deleteResults as Body[])[0]!.error as Body).code).toBe(1011);
      const nine = ((await get('/0/9')).feature as { attributes: Body }).attributes;
      expect(nine.inspector).toBe('svc');
    });

    it('lets anonymous users edit a public layer with editing enabled, tracking them as anonymous', async () => {
      createHostedService(emu.context, {
        name: `PublicEdit_${kind}`,
        owner: emu.admin.username,
        access: 'public',
        capabilities: 'Query,Create,Editing',
        layers: [{ name: 'Reports', editorTracking: true, fields: [{ name: 'note', type: 'esriFieldTypeString' }] }]
      });
      const pu = serviceUrlOf(emu, `PublicEdit_${kind}`);
      const added = (await rawRequest(`${pu}/0/addFeatures`, { features: JSON.stringify([{ attributes: { note: 'pothole' }, geometry: { x: 1, y: 1 } }]) }, { method: 'POST' })).body as Body;
      expect((added.addResults as Body[])[0]!.success).toBe(true);
      const f = ((await rawRequest(`${pu}/0/1`, {})).body as { feature: { attributes: Body } }).feature.attributes;
      expect(f).toMatchObject({ note: 'pothole', Creator: '', Editor: '' });
    });

    it('refuses edits the capabilities do not allow', async () => {
      createHostedService(emu.context, { name: `ReadOnly_${kind}`, owner: emu.admin.username, capabilities: 'Query', layers: [{ name: 'L', fields: [{ name: 'a', type: 'esriFieldTypeInteger' }] }] });
      const ro = serviceUrlOf(emu, `ReadOnly_${kind}`);
      const body = (await rawRequest(`${ro}/0/addFeatures`, { token, features: JSON.stringify([{ attributes: { a: 1 } }]) }, { method: 'POST' })).body as Body;
      expect(body.error).toMatchObject({ code: 400, message: 'Requested operation is not supported by this service.' });
      createHostedService(emu.context, { name: `AddOnly_${kind}`, owner: emu.admin.username, capabilities: 'Query,Editing,Create', layers: [{ name: 'L', features: [{ attributes: {} }] }] });
      const ao = serviceUrlOf(emu, `AddOnly_${kind}`);
      expect(((await rawRequest(`${ao}/0/addFeatures`, { token, features: JSON.stringify([{ attributes: {} }]) }, { method: 'POST' })).body as Body).addResults).toHaveLength(1);
      expect((((await rawRequest(`${ao}/0/deleteFeatures`, { token, objectIds: '1' }, { method: 'POST' })).body as Body).error as Body).code).toBe(400);
    });
  });

  describe('attachments', () => {
    it('lists, downloads, adds, updates, deletes and queries attachments', async () => {
      const list = await get('/0/2/attachments');
      expectShape(list, fixture('attachments'), '$', true);
      const infos = list.attachmentInfos as Body[];
      expect(infos.map((a) => a.name)).toEqual(['notes.txt', 'leaf.png']);
      expect(infos[0]).toMatchObject({ contentType: 'text/plain', size: 7, keywords: 'notes', exifInfo: null });

      const bytes = await fetch(`${url}/0/2/attachments/${String(infos[0]!.id)}?token=${token}`);
      expect(bytes.headers.get('content-type')).toBe('text/plain');
      expect(bytes.headers.get('content-disposition')).toContain('notes.txt');
      expect(await bytes.text()).toBe('healthy');

      const form = new FormData();
      form.set('f', 'json');
      form.set('token', token);
      form.set('keywords', 'photo');
      form.set('attachment', new Blob([Buffer.from('PNGDATA')], { type: 'image/png' }), 'new.png');
      const added = (await (await fetch(`${url}/0/3/addAttachment`, { method: 'POST', body: form })).json()) as Body;
      expectShape(added, fixture('addAttachment'), '$', true);
      const newId = (added.addAttachmentResult as Body).objectId as number;
      expect((await (await fetch(`${url}/0/3/attachments/${newId}?token=${token}`)).text())).toBe('PNGDATA');

      const upd = new FormData();
      upd.set('f', 'json');
      upd.set('token', token);
      upd.set('attachmentId', String(newId));
      upd.set('attachment', new Blob([Buffer.from('v2')], { type: 'text/plain' }), 'v2.txt');
      const updated = (await (await fetch(`${url}/0/3/updateAttachment`, { method: 'POST', body: upd })).json()) as Body;
      expectShape(updated, fixture('updateAttachment'), '$', true);
      expect(((await get('/0/3/attachments')).attachmentInfos as Body[]).map((a) => [a.name, a.size, a.keywords])).toEqual([['v2.txt', 2, 'photo']]);

      const q = await get('/0/queryAttachments', { definitionExpression: 'OBJECTID <= 3', attachmentTypes: 'image/png,text/plain', returnUrl: true });
      expectShape(q, fixture('queryAttachments'));
      const groups = q.attachmentGroups as { parentObjectId: number; attachmentInfos: Body[] }[];
      expect(groups.map((g) => [g.parentObjectId, g.attachmentInfos.map((a) => a.name)])).toEqual([
        [2, ['notes.txt', 'leaf.png']],
        [3, ['v2.txt']]
      ]);
      expect(String(groups[1]!.attachmentInfos[0]!.url)).toBe(`${url}/0/3/attachments/${newId}`);

      const del = await post('/0/3/deleteAttachments', { attachmentIds: `${newId},424242` });
      expectShape(del, fixture('deleteAttachments'));
      expect((del.deleteAttachmentResults as Body[]).map((r) => r.success)).toEqual([true, false]);
      expect((await get('/0/3/attachments')).attachmentInfos).toEqual([]);
      expect(((await get('/1/1/attachments')).error as Body).code).toBe(400);
    });
  });

  describe('applyEdits with attachments (useGlobalIds)', () => {
    it('adds a feature and its attachment together, updates and deletes attachments by globalId', async () => {
      const fg = '{11111111-2222-4333-8444-555555555555}';
      const ag = '{AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE}';
      const body = await post('/0/applyEdits', {
        useGlobalIds: true,
        adds: JSON.stringify([{ attributes: { GlobalID: fg, status: 'ok' }, geometry: { x: 5, y: 5 } }]),
        attachments: JSON.stringify({ adds: [{ globalId: ag, parentGlobalId: fg, name: 'a.txt', contentType: 'text/plain', data: Buffer.from('inline').toString('base64') }] })
      });
      const oid = (body.addResults as Body[])[0]!.objectId as number;
      const att = body.attachments as { addResults: Body[] };
      expect(att.addResults[0]).toMatchObject({ globalId: ag, success: true });
      const listed = (await get(`/0/${oid}/attachments`)).attachmentInfos as Body[];
      expect(listed).toEqual([expect.objectContaining({ globalId: ag, name: 'a.txt', size: 6, parentGlobalId: fg })]);

      const upd = await post('/0/applyEdits', { useGlobalIds: true, attachments: JSON.stringify({ updates: [{ globalId: ag, name: 'b.txt', contentType: 'text/plain', data: Buffer.from('v2').toString('base64') }] }) });
      expect((upd.attachments as { updateResults: Body[] }).updateResults[0]).toMatchObject({ objectId: att.addResults[0]!.objectId, success: true });
      expect(((await get(`/0/${oid}/attachments`)).attachmentInfos as Body[])[0]).toMatchObject({ name: 'b.txt', size: 2 });

      // A bad attachment rolls the whole request back, features included.
      const bad = await post('/0/applyEdits', {
        useGlobalIds: true,
        updates: JSON.stringify([{ attributes: { GlobalID: fg, inspector: 'never' } }]),
        attachments: JSON.stringify({ deletes: ['{00000000-0000-4000-8000-000000000000}'] })
      });
      expect(((bad.updateResults as Body[])[0]!.error as Body).code).toBe(1003);
      expect(((bad.attachments as { deleteResults: Body[] }).deleteResults[0]!.error as Body).code).toBe(1010);
      expect((((await get(`/0/${oid}`)).feature as { attributes: Body }).attributes.inspector)).toBeNull();

      const del = await post('/0/applyEdits', { useGlobalIds: true, attachments: JSON.stringify({ deletes: [ag] }) });
      expect((del.attachments as { deleteResults: Body[] }).deleteResults[0]!.success).toBe(true);
      expect((await get(`/0/${oid}/attachments`)).attachmentInfos).toEqual([]);

      const withoutGlobalIds = await post('/0/applyEdits', { attachments: JSON.stringify({ deletes: [ag] }) });
      expect((withoutGlobalIds.error as Body).code).toBe(400);
    });
  });

  describe('extractChanges', () => {
    it('returns the adds, updates and deletes since a server generation, and nothing after the new one', async () => {
      createTreesService(emu, { name: `Changes_${kind}` });
      const cu = serviceUrlOf(emu, `Changes_${kind}`);
      const call = async (params: Record<string, string | number | boolean>) =>
        (await rawRequest(`${cu}/extractChanges`, { token, ...params }, { method: 'POST' })).body as Body;
      const info = (await rawRequest(cu, { token })).body as { changeTrackingInfo: { layerServerGens: { id: number; serverGen: number }[] } };
      const start = info.changeTrackingInfo.layerServerGens.find((g) => g.id === 0)!.serverGen;

      const edit = (await rawRequest(`${cu}/0/applyEdits`, {
        token,
        adds: JSON.stringify([
          { attributes: { status: 'ok', inspector: 'new' }, geometry: { x: 1, y: 2 } },
          { attributes: { status: 'ok', inspector: 'gone' }, geometry: { x: 3, y: 4 } }
        ]),
        updates: JSON.stringify([{ attributes: { OBJECTID: 2, inspector: 'changed' } }]),
        deletes: '3'
      }, { method: 'POST' })).body as { addResults: { objectId: number }[] };
      const [keep, transient] = edit.addResults.map((r) => r.objectId);
      await rawRequest(`${cu}/0/deleteFeatures`, { token, where: `OBJECTID = ${String(transient)}` }, { method: 'POST' });

      const changes = await call({ layers: '0', layerServerGens: JSON.stringify([{ id: 0, serverGen: start }]), returnInserts: true, returnUpdates: true, returnDeletes: true, dataFormat: 'json' });
      expectShape(changes, fixture('extractChanges'));
      const e = (changes.edits as { id: number; features: { adds: { attributes: Body }[]; updates: { attributes: Body }[]; deleteIds: number[] } }[])[0]!;
      expect(e.id).toBe(0);
      expect(e.features.adds.map((f) => f.attributes.OBJECTID)).toEqual([keep]);
      expect(e.features.updates.map((f) => [f.attributes.OBJECTID, f.attributes.inspector])).toEqual([[2, 'changed']]);
      expect(e.features.deleteIds).toEqual([3]);
      const next = (changes.layerServerGens as { id: number; serverGen: number }[])[0]!.serverGen;
      expect(next).toBeGreaterThan(start);

      const ids = await call({ layers: '[0]', layerServerGens: JSON.stringify([{ id: 0, serverGen: start }]), returnIdsOnly: true });
      expect((ids.edits as Body[])[0]).toEqual({ id: 0, objectIds: { adds: [keep], updates: [2], deletes: [3] } });

      const none = await call({ layers: '0', layerServerGens: JSON.stringify([{ id: 0, serverGen: next }]) });
      expect((none.edits as Body[])[0]).toEqual({ id: 0, features: { adds: [], updates: [], deleteIds: [] } });
      const onlyDeletes = await call({ layers: '0', layerServerGens: JSON.stringify([{ id: 0, serverGen: start }]), returnInserts: false, returnUpdates: false });
      expect(((onlyDeletes.edits as Body[])[0]!.features as Body).adds).toEqual([]);
      const filtered = await call({ layers: '0', layerServerGens: JSON.stringify([{ id: 0, serverGen: start }]), returnIdsOnly: true, layerQueries: JSON.stringify({ 0: { where: "inspector = 'changed'", useFilter: true } }) });
      expect((filtered.edits as Body[])[0]).toEqual({ id: 0, objectIds: { adds: [], updates: [2], deletes: [3] } });
      const badFilter = await call({ layers: '0', layerServerGens: JSON.stringify([{ id: 0, serverGen: start }]), layerQueries: JSON.stringify({ 0: { where: 'nope = 1' } }) });
      expect((badFilter.error as Body).code).toBe(400);
    });

    it('needs the ChangeTracking capability and POST', async () => {
      createHostedService(emu.context, { name: `NoTracking_${kind}`, owner: emu.admin.username, layers: [{ name: 'L' }] });
      const nt = serviceUrlOf(emu, `NoTracking_${kind}`);
      const body = (await rawRequest(`${nt}/extractChanges`, { token, layers: '0', layerServerGens: '[{"id":0,"serverGen":0}]' }, { method: 'POST' })).body as Body;
      expect(body.error).toMatchObject({ code: 400, message: 'Requested operation is not supported by this service.' });
      const service = (await rawRequest(nt, { token })).body as Body;
      expect(service).not.toHaveProperty('changeTrackingInfo');
      const viaGet = (await rawRequest(`${url}/extractChanges`, { token, layers: '0' })).body as Body;
      expect((viaGet.error as Body).code).toBe(405);
    });
  });

  describe('createService and definitions', () => {
    it('creates a service with its item, refuses a taken name, and adds layers', async () => {
      const created = (await rawRequest(`${emu.restUrl}/content/users/${emu.admin.username}/createService`, {
        token,
        outputType: 'featureService',
        createParameters: JSON.stringify({ name: `Created_${kind}`, capabilities: 'Query,Editing,Create,Update,Delete', maxRecordCount: 500, spatialReference: { wkid: 102100 } })
      }, { method: 'POST' })).body as Body;
      expectShape(created, fixture('createService'), '$', true);
      expect(created.serviceurl).toBe(serviceUrlOf(emu, `Created_${kind}`));
      const item = emu.context.state.items.get(created.itemId as string)!;
      expect(item.json).toMatchObject({ type: 'Feature Service', url: created.serviceurl, owner: emu.admin.username, access: 'private' });
      expect(item.json.typeKeywords).toContain('Hosted Service');

      const again = (await rawRequest(`${emu.restUrl}/content/users/${emu.admin.username}/createService`, {
        token,
        outputType: 'featureService',
        createParameters: JSON.stringify({ name: `created_${kind}` })
      }, { method: 'POST' })).body as Body;
      expect(again.error).toEqual({ code: 409, message: `Service name 'created_${kind}' already exists for '${emu.orgId}'`, details: [] });

      const available = (await rawRequest(`${emu.restUrl}/portals/${emu.orgId}/isServiceNameAvailable`, { token, name: `CREATED_${kind}`, type: 'Feature Service' })).body;
      expect(available).toEqual({ available: false });
      expect((await rawRequest(`${emu.restUrl}/portals/self/isServiceNameAvailable`, { token, name: 'Brand_New', type: 'Feature Service' })).body).toEqual({ available: true });

      const admin = `${emu.context.urls.adminServicesRoot}/Created_${kind}/FeatureServer`;
      const added = (await rawRequest(`${admin}/addToDefinition`, {
        token,
        addToDefinition: JSON.stringify({
          layers: [{ name: 'Parcels', type: 'Feature Layer', geometryType: 'esriGeometryPolygon', fields: [{ name: 'OBJECTID', type: 'esriFieldTypeOID' }, { name: 'apn', type: 'esriFieldTypeString', length: 20 }] }],
          tables: [{ name: 'Owners', type: 'Table', fields: [{ name: 'owner', type: 'esriFieldTypeString' }] }]
        })
      }, { method: 'POST' })).body as Body;
      expectShape(added, fixture('addToDefinition'), '$', true);
      expect(added).toEqual({ layers: [{ name: 'Parcels', id: 0 }], tables: [{ name: 'Owners', id: 1 }], success: true });

      const layer = (await rawRequest(`${serviceUrlOf(emu, `Created_${kind}`)}/0`, { token })).body as Body;
      expect(layer).toMatchObject({ name: 'Parcels', geometryType: 'esriGeometryPolygon', maxRecordCount: 500, objectIdField: 'OBJECTID', globalIdField: 'GlobalID' });

      const upd = (await rawRequest(`${admin}/updateDefinition`, { token, updateDefinition: JSON.stringify({ capabilities: 'Query,Editing,Create,Update,Delete,ChangeTracking', description: 'Parcels of the city' }) }, { method: 'POST' })).body;
      expect(upd).toEqual({ success: true });
      const svc = (await rawRequest(serviceUrlOf(emu, `Created_${kind}`), { token })).body as Body;
      expect(svc.capabilities).toBe('Query,Editing,Create,Update,Delete,ChangeTracking');
      expect(svc).toHaveProperty('changeTrackingInfo');

      const addField = (await rawRequest(`${admin}/0/addToDefinition`, { token, addToDefinition: JSON.stringify({ fields: [{ name: 'zoning', type: 'esriFieldTypeString', length: 8 }] }) }, { method: 'POST' })).body;
      expect(addField).toEqual({ success: true });
      const withField = (await rawRequest(`${serviceUrlOf(emu, `Created_${kind}`)}/0`, { token })).body as { fields: Body[]; editingInfo: Body };
      expect(withField.fields.map((f) => f.name)).toContain('zoning');
      expect(withField.editingInfo.schemaLastEditDate).toBe(withField.editingInfo.lastEditDate);

      const adminJson = (await rawRequest(admin, { token })).body as Body;
      expect(adminJson).toHaveProperty('adminServiceInfo');
      expect((adminJson.layers as Body[])[0]).toHaveProperty('fields');

      expect((await rawRequest(`${admin}/deleteFromDefinition`, { token, deleteFromDefinition: JSON.stringify({ tables: [{ id: 1 }] }) }, { method: 'POST' })).body).toEqual({ success: true });
      expect(((await rawRequest(serviceUrlOf(emu, `Created_${kind}`), { token })).body as Body).tables).toEqual([]);
    });

    it('changes and removes fields of a layer through its admin resource', async () => {
      createHostedService(emu.context, {
        name: `Schema_${kind}`,
        owner: emu.admin.username,
        layers: [{ name: 'L', fields: [{ name: 'keep', type: 'esriFieldTypeString' }, { name: 'drop', type: 'esriFieldTypeInteger' }], features: [{ attributes: { keep: 'a', drop: 1 } }] }]
      });
      const admin = `${emu.context.urls.adminServicesRoot}/Schema_${kind}/FeatureServer/0`;
      const upd = (await rawRequest(`${admin}/updateDefinition`, { token, updateDefinition: JSON.stringify({ description: 'schema test', fields: [{ name: 'keep', alias: 'Kept field' }] }) }, { method: 'POST' })).body;
      expect(upd).toEqual({ success: true });
      const del = (await rawRequest(`${admin}/deleteFromDefinition`, { token, deleteFromDefinition: JSON.stringify({ fields: [{ name: 'drop' }] }) }, { method: 'POST' })).body;
      expect(del).toEqual({ success: true });
      const layer = (await rawRequest(`${serviceUrlOf(emu, `Schema_${kind}`)}/0`, { token })).body as { fields: Body[]; description: string };
      expect(layer.description).toBe('schema test');
      expect(layer.fields.map((f) => [f.name, f.alias])).toEqual([['OBJECTID', 'OBJECTID'], ['keep', 'Kept field'], ['GlobalID', 'GlobalID']]);
      const q = (await rawRequest(`${serviceUrlOf(emu, `Schema_${kind}`)}/0/query`, { token, where: '1=1', outFields: '*' })).body as { features: { attributes: Body }[] };
      expect(Object.keys(q.features[0]!.attributes)).toEqual(['OBJECTID', 'keep', 'GlobalID']);
      const refuse = (await rawRequest(`${admin}/deleteFromDefinition`, { token, deleteFromDefinition: JSON.stringify({ fields: [{ name: 'OBJECTID' }] }) }, { method: 'POST' })).body as Body;
      expect((refuse.error as Body).code).toBe(400);
    });

    it('checks createService parameters and rights', async () => {
      const call = async (tok: string, params: Record<string, string>) =>
        (await rawRequest(`${emu.restUrl}/content/users/${emu.admin.username}/createService`, { token: tok, ...params }, { method: 'POST' })).body as Body;
      expect(((await call(token, { outputType: 'featureService', createParameters: JSON.stringify({ name: 'bad name!' }) })).error as Body).code).toBe(400);
      expect(((await call(token, { createParameters: JSON.stringify({ name: 'NoOutputType' }) })).error as Body).code).toBe(400);
      const user = addTestUser(emu, `plain_${kind}`, 'org_user');
      const userToken = await tokenFor(emu, user.username, user.password);
      expect(((await call(userToken, { outputType: 'featureService', createParameters: JSON.stringify({ name: 'NotMine' }) })).error as Body).code).toBe(403);
    });
  });
});
