import { readFileSync } from 'node:fs';
import {
  addAttachment,
  addFeatures,
  addToServiceDefinition,
  applyEdits,
  createFeatureService,
  decodeValues,
  deleteAttachments,
  deleteFeatures,
  getAllLayersAndTables,
  getAttachments,
  getFeature,
  getLayer,
  getService,
  getServiceAdminInfo,
  queryAllFeatures,
  queryFeatures,
  queryRelated,
  updateAttachment,
  updateFeatures,
  updateServiceDefinition,
  type IQueryFeaturesResponse
} from '@esri/arcgis-rest-feature-service';
import { type ArcGISIdentityManager, ArcGISRequestError } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../../src/index.js';
import { signInAsAdmin, startTestEmulator } from '../support/emulator.js';
import { createTreesService, expectShape, serviceUrlOf, TREE_COUNT } from '../support/feature-fixtures.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/features/${name}.json`, import.meta.url), 'utf8')) as never;

describe.each(['online', 'enterprise'] as const)("Esri's @esri/arcgis-rest-feature-service against the emulator (%s)", (kind) => {
  let emu: EmulatorHandle;
  let session: ArcGISIdentityManager;
  let trees: string;

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty', kind });
    createTreesService(emu);
    trees = serviceUrlOf(emu, 'Trees');
    // The identity manager reaches the services through the federation chain (<server>/rest/info -> generateToken).
    session = await signInAsAdmin(emu);
  });
  afterAll(async () => {
    await emu.close();
  });

  it('reads the service, its layers and its admin info', async () => {
    const service = await getService({ url: trees, authentication: session });
    expectShape(service, fixture('service'));
    expect(service.layers.map((l) => l.name)).toEqual(['Trees']);
    const layer = await getLayer({ url: `${trees}/0`, authentication: session });
    expectShape(layer, fixture('layer'));
    expect(layer.objectIdField).toBe('OBJECTID');
    const all = await getAllLayersAndTables({ url: `${trees}/0`, authentication: session });
    expect(all.layers.map((l) => l.name)).toEqual(['Trees']);
    expect(all.tables.map((l) => l.name)).toEqual(['Inspections']);
    const admin = (await getServiceAdminInfo(trees, session)) as { adminServiceInfo: { name: string; type: string } };
    expect(admin.adminServiceInfo).toMatchObject({ name: 'Trees', type: 'FeatureServer' });
  });

  it('queries as JSON and GeoJSON, pages everything with queryAllFeatures, and decodes coded values', async () => {
    const json = (await queryFeatures({ url: `${trees}/0`, where: "status = 'ok'", outFields: ['OBJECTID', 'species'], orderByFields: 'OBJECTID', authentication: session })) as IQueryFeaturesResponse;
    expectShape(json, fixture('query'));
    expect(json.features.map((f) => f.attributes.OBJECTID)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(json.exceededTransferLimit).toBe(true);

    const geojson = (await queryFeatures({ url: `${trees}/0`, where: 'OBJECTID < 3', f: 'geojson', authentication: session })) as unknown as { type: string; features: { id: number }[] };
    expectShape(geojson, fixture('query.geojson'));
    expect(geojson.features.map((f) => f.id)).toEqual([1, 2]);

    const ids = await queryFeatures({ url: `${trees}/0`, where: '1=1', returnIdsOnly: true, authentication: session });
    expect((ids as { objectIds: number[] }).objectIds).toHaveLength(TREE_COUNT);
    const count = await queryFeatures({ url: `${trees}/0`, where: '1=1', returnCountOnly: true, authentication: session });
    expect(count).toEqual({ count: TREE_COUNT });

    // maxRecordCount is 10: queryAllFeatures pages through exceededTransferLimit.
    const everything = await queryAllFeatures({ url: `${trees}/0`, where: '1=1', outFields: '*', authentication: session });
    expect(everything.features.map((f) => f.attributes.OBJECTID)).toEqual(Array.from({ length: TREE_COUNT }, (_, i) => i + 1));
    const geoAll = (await queryAllFeatures({ url: `${trees}/0`, where: 'OBJECTID > 5', f: 'geojson', resultRecordCount: 4, authentication: session })) as unknown as { features: unknown[] };
    expect(geoAll.features).toHaveLength(TREE_COUNT - 5);

    // decodeValues fetches the layer without authentication unless given the fields (rest-js 4.10.2), so pass them.
    const { fields } = await getLayer({ url: `${trees}/0`, authentication: session });
    const decoded = await decodeValues({ url: `${trees}/0`, queryResponse: json, fields });
    expect(decoded.features[0]!.attributes.species).toBe('PINE');

    const feature = await getFeature({ url: `${trees}/0`, id: 3, authentication: session });
    expect(feature.attributes.OBJECTID).toBe(3);
  });

  it('reports where-clause errors as ArcGISRequestError with ArcGIS’s code', async () => {
    const failure = await queryFeatures({ url: `${trees}/0`, where: 'nope = 1', authentication: session }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ArcGISRequestError);
    expect((failure as ArcGISRequestError).code).toBe(400);
    expect(((failure as ArcGISRequestError).response as { error: { details: string[] } }).error.details).toEqual(["'Invalid field: nope' parameter is invalid"]);
  });

  it('follows relationships with queryRelated', async () => {
    const related = await queryRelated({ url: `${trees}/0`, objectIds: [1], relationshipId: 0, authentication: session });
    expectShape(related, fixture('queryRelated'));
    expect(related.relatedRecordGroups[0]!.relatedRecords!.map((r) => r.attributes.result)).toEqual(['pass', 'fail']);
  });

  it('adds, updates, deletes and applies edits', async () => {
    const added = await addFeatures({ url: `${trees}/0`, features: [{ attributes: { species: 'Oak', status: 'ok' }, geometry: { x: -117.1, y: 34.1, spatialReference: { wkid: 4326 } } as never }], authentication: session });
    expect(added.addResults[0]).toMatchObject({ objectId: TREE_COUNT + 1, success: true });
    const updated = await updateFeatures({ url: `${trees}/0`, features: [{ attributes: { OBJECTID: TREE_COUNT + 1, height: 12 } }], authentication: session });
    expect(updated.updateResults[0]).toMatchObject({ objectId: TREE_COUNT + 1, success: true });
    const edits = await applyEdits({
      url: `${trees}/0`,
      adds: [{ attributes: { species: 'Pine', status: 'check' } }],
      updates: [{ attributes: { OBJECTID: 1, inspector: 'rest-js' } }],
      deletes: [TREE_COUNT + 1],
      authentication: session
    });
    expectShape(edits, fixture('applyEdits'));
    expect(edits.deleteResults[0]).toMatchObject({ objectId: TREE_COUNT + 1, success: true });
    const deleted = await deleteFeatures({ url: `${trees}/0`, objectIds: [], where: "species = 'Pine' AND status = 'check' AND OBJECTID > 25", authentication: session });
    expect(deleted.deleteResults).toHaveLength(1);
    const failing = await addFeatures({ url: `${trees}/0`, features: [{ attributes: { status: null } }], authentication: session });
    expect(failing.addResults[0]).toMatchObject({ success: false, error: { code: 1001 } });
  });

  it('lists, adds, updates and deletes attachments', async () => {
    const list = await getAttachments({ url: `${trees}/0`, featureId: 2, authentication: session });
    expectShape(list, fixture('attachments'));
    expect(list.attachmentInfos.map((a) => a.name)).toEqual(['notes.txt', 'leaf.png']);
    const file = new File([Buffer.from('hello from rest-js')], 'hello.txt', { type: 'text/plain' });
    const added = await addAttachment({ url: `${trees}/0`, featureId: 5, attachment: file, authentication: session });
    expect(added.addAttachmentResult.success).toBe(true);
    const attachmentId = added.addAttachmentResult.objectId;
    const replaced = await updateAttachment({ url: `${trees}/0`, featureId: 5, attachmentId, attachment: new File(['v2'], 'hello.txt', { type: 'text/plain' }), authentication: session });
    expect(replaced.updateAttachmentResult).toMatchObject({ objectId: attachmentId, success: true });
    expect((await getAttachments({ url: `${trees}/0`, featureId: 5, authentication: session })).attachmentInfos).toEqual([
      expect.objectContaining({ id: attachmentId, name: 'hello.txt', size: 2, contentType: 'text/plain' })
    ]);
    const removed = await deleteAttachments({ url: `${trees}/0`, featureId: 5, attachmentIds: [attachmentId], authentication: session });
    expect(removed.deleteAttachmentResults[0]).toMatchObject({ objectId: attachmentId, success: true });
  });

  it('creates a service, adds layers and tables to it and updates its definition', async () => {
    const created = await createFeatureService({
      authentication: session,
      item: { name: 'FromRestJs', capabilities: 'Create,Delete,Query,Update,Editing', spatialReference: { wkid: 102100 } } as never
    });
    expectShape(created, fixture('createService'), '$', true);
    expect(created.serviceurl).toBe(serviceUrlOf(emu, 'FromRestJs'));
    const added = await addToServiceDefinition(created.serviceurl, {
      authentication: session,
      layers: [{ name: 'Sightings', type: 'Feature Layer', geometryType: 'esriGeometryPoint', fields: [{ name: 'OBJECTID', type: 'esriFieldTypeOID' }, { name: 'bird', type: 'esriFieldTypeString', length: 40 }] } as never],
      tables: [{ name: 'Observers', type: 'Table', fields: [{ name: 'who', type: 'esriFieldTypeString' }] } as never]
    });
    expect(added).toEqual({ layers: [{ name: 'Sightings', id: 0 }], tables: [{ name: 'Observers', id: 1 }], success: true });
    const layer = await getLayer({ url: `${created.serviceurl}/0`, authentication: session });
    expect(layer.fields?.map((f) => f.name)).toEqual(['OBJECTID', 'bird', 'GlobalID']);
    const res = await addFeatures({ url: `${created.serviceurl}/0`, features: [{ attributes: { bird: 'wren' }, geometry: { x: 1, y: 2 } as never }], authentication: session });
    expect(res.addResults[0]!.success).toBe(true);
    const upd = await updateServiceDefinition(created.serviceurl, { authentication: session, updateDefinition: { capabilities: 'Query' } as never });
    expect(upd).toEqual({ success: true });
    const readOnly = await addFeatures({ url: `${created.serviceurl}/0`, features: [{ attributes: { bird: 'robin' } }], authentication: session }).catch((e: unknown) => e);
    expect(readOnly).toBeInstanceOf(ArcGISRequestError);

    const dup = await createFeatureService({ authentication: session, item: { name: 'FromRestJs' } as never }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(ArcGISRequestError);
    expect((dup as ArcGISRequestError).code).toBe(409);
  });
});
