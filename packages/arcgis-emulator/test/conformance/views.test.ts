import {
  addAttachment,
  addToServiceDefinition,
  applyEdits,
  createFeatureService,
  getAttachments,
  getLayer,
  getService,
  getViewSources,
  queryAllFeatures,
  queryFeatures,
  queryRelated,
  updateServiceDefinition,
  type IQueryFeaturesResponse
} from '@esri/arcgis-rest-feature-service';
import { addItemRelationship, createItem, getItem, getRelatedItems, removeItem, removeItemRelationship, setItemAccess } from '@esri/arcgis-rest-portal';
import { type ArcGISIdentityManager, ArcGISRequestError } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../../src/index.js';
import { addTestUser, signInAs } from '../support/content-fixtures.js';
import { signInAsAdmin, startTestEmulator } from '../support/emulator.js';
import { createTreesService, serviceUrlOf, TREE_COUNT } from '../support/feature-fixtures.js';

const failure = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error
  );
  expect(e).toBeInstanceOf(ArcGISRequestError);
  return e as ArcGISRequestError & { response: { error: { details: string[]; messageCode?: string } } };
};

/** Views and item relationships driven by Esri's own client (@esri/arcgis-rest-feature-service and -portal). */
describe.each(['online', 'enterprise'] as const)("views and relationships with Esri's client (%s)", (kind) => {
  let emu: EmulatorHandle;
  let session: ArcGISIdentityManager;
  let trees: string;
  let view: string;
  let viewItemId: string;

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty', kind });
    createTreesService(emu);
    trees = serviceUrlOf(emu, 'Trees');
    session = await signInAsAdmin(emu);
  });
  afterAll(async () => {
    await emu.close();
  });

  it('creates a view with createFeatureService and addToServiceDefinition, and reads it back', async () => {
    const created = await createFeatureService({
      authentication: session,
      item: { name: 'Trees_ok', isView: true, isUpdatableView: true, sourceSchemaChangesAllowed: true, capabilities: 'Query,Update,Editing', spatialReference: { wkid: 102100 } } as never,
      params: { isView: true }
    });
    expect(created).toMatchObject({ success: true, isView: true, type: 'Feature Service', serviceurl: serviceUrlOf(emu, 'Trees_ok') });
    view = created.serviceurl;
    viewItemId = created.serviceItemId;
    const added = await addToServiceDefinition(view, {
      authentication: session,
      layers: [{ name: 'Healthy trees', adminLayerInfo: { viewLayerDefinition: { sourceServiceName: 'Trees', sourceLayerId: 0, sourceLayerFields: '*' } } } as never],
      tables: [{ id: 1, name: 'Inspections', type: 'Table', adminLayerInfo: { viewLayerDefinition: { sourceServiceName: 'Trees', sourceLayerId: 1, sourceLayerFields: '*' } } } as never]
    });
    expect(added).toEqual({ layers: [{ name: 'Healthy trees', id: 0 }], tables: [{ name: 'Inspections', id: 1 }], success: true });
    expect(await updateServiceDefinition(`${view}/0`, { authentication: session, updateDefinition: { viewDefinitionQuery: "status = 'ok'", fields: [{ name: 'inspector', visible: false }] } as never })).toEqual({ success: true });

    const service = await getService({ url: view, authentication: session });
    expect(service).toMatchObject({ isView: true, isUpdatableView: true, sourceSchemaChangesAllowed: true, capabilities: 'Query,Update,Editing' });
    expect(await getService({ url: trees, authentication: session })).toMatchObject({ hasViews: true });
    const layer = await getLayer({ url: `${view}/0`, authentication: session });
    expect(layer).toMatchObject({ name: 'Healthy trees', isView: true, viewDefinitionQuery: "status = 'ok'" });
    expect(layer.fields!.map((f) => f.name)).not.toContain('inspector');
    const sources = await getViewSources(view, session);
    expect(sources.services).toEqual([{ name: 'Trees', type: 'FeatureServer', url: trees, serviceItemId: emu.context.state.getService('Trees')!.itemId }]);
    const item = await getItem(viewItemId, { authentication: session });
    expect(item.typeKeywords).toContain('View Service');
    const related = await getRelatedItems({ id: viewItemId, relationshipType: 'Service2Data', direction: 'forward', authentication: session });
    expect(related.relatedItems.map((i) => i.id)).toEqual([emu.context.state.getService('Trees')!.itemId]);
  });

  it('queries, edits, follows relationships and reads attachments through the view', async () => {
    const ok = (await queryFeatures({ url: `${view}/0`, where: '1=1', outFields: '*', authentication: session })) as IQueryFeaturesResponse;
    expect(ok.features.every((f) => f.attributes.status === 'ok' && !('inspector' in f.attributes))).toBe(true);
    const all = await queryAllFeatures({ url: `${view}/0`, where: '1=1', outFields: ['OBJECTID'], authentication: session });
    expect(all.features.map((f) => f.attributes.OBJECTID)).toEqual(Array.from({ length: TREE_COUNT }, (_, i) => i + 1).filter((n) => n % 2 === 0));

    const edits = await applyEdits({ url: `${view}/0`, updates: [{ attributes: { OBJECTID: 2, height: 99 } }], authentication: session });
    expect(edits.updateResults[0]).toMatchObject({ objectId: 2, success: true });
    expect(emu.context.state.getService('Trees')!.layers.get(0)!.store.get(2)!.attributes.height).toBe(99);
    // No Create capability, and features outside the view cannot be reached.
    await failure(applyEdits({ url: `${view}/0`, adds: [{ attributes: { status: 'ok' } }], authentication: session }));
    const outside = await applyEdits({ url: `${view}/0`, updates: [{ attributes: { OBJECTID: 1, height: 1 } }], authentication: session });
    expect(outside.updateResults[0]).toMatchObject({ success: false, error: { code: 1011 } });

    const file = new File([Buffer.from('through the view')], 'view.txt', { type: 'text/plain' });
    expect((await addAttachment({ url: `${view}/0`, featureId: 2, attachment: file, authentication: session })).addAttachmentResult.success).toBe(true);
    expect((await getAttachments({ url: `${trees}/0`, featureId: 2, authentication: session })).attachmentInfos.map((a) => a.name)).toContain('view.txt');
    // Tree 2 is in the view; its inspections (of tree 1) are not related to it, tree 1 is outside the view.
    const related = await queryRelated({ url: `${view}/0`, objectIds: [2], relationshipId: 0, authentication: session });
    expect(related.relatedRecordGroups).toEqual([]);
  });

  it('refuses to delete the source while the view exists (removeItem), then deletes it', async () => {
    const sourceId = emu.context.state.getService('Trees')!.itemId;
    const refused = await failure(removeItem({ id: sourceId, authentication: session }));
    expect(refused.response.error.messageCode).toBe('CONT_00481');
    expect(await removeItem({ id: viewItemId, authentication: session })).toMatchObject({ success: true });
    expect(await removeItem({ id: sourceId, authentication: session })).toMatchObject({ success: true });
  });

  it('relates items of the documented relationship types, in both directions', async () => {
    const make = async (title: string, type: string) => (await createItem({ item: { title, type }, authentication: session })).id;
    const form = await make('Survey', 'Form');
    const serviceItem = await make('Service', 'Feature Service');
    const mapService = await make('Tiles', 'Map Service');
    const csv = await make('Source data', 'CSV');
    const webmap = await make('Map', 'Web Map');
    const area = await make('Area', 'Map Area');
    const pkg = await make('Package', 'Tile Package');
    const app = await make('App', 'Web Mapping Application');
    const code = await make('Code', 'Code Attachment');
    const word = await make('Report template', 'Microsoft Word');
    const pairs: [string, string, string][] = [
      ['Service2Data', serviceItem, csv],
      ['Survey2Service', form, serviceItem],
      ['Survey2Data', form, word],
      ['Map2Service', webmap, serviceItem],
      ['Service2Service', serviceItem, mapService],
      ['Area2Package', area, pkg],
      ['WMA2Code', app, code]
    ];
    for (const [type, origin, destination] of pairs) {
      expect(await addItemRelationship({ originItemId: origin, destinationItemId: destination, relationshipType: type as never, authentication: session }), type).toEqual({ success: true });
      const forward = await getRelatedItems({ id: origin, relationshipType: type as never, direction: 'forward', authentication: session });
      expect(forward.relatedItems.map((i) => i.id), type).toEqual([destination]);
      const reverse = await getRelatedItems({ id: destination, relationshipType: type as never, direction: 'reverse', authentication: session });
      expect(reverse.relatedItems.map((i) => i.id), type).toEqual([origin]);
    }
    // Several types at once.
    const many = await getRelatedItems({ id: serviceItem, relationshipType: ['Service2Data', 'Service2Service'], direction: 'forward', authentication: session });
    expect(many.relatedItems.map((i) => i.id).sort()).toEqual([csv, mapService].sort());
    // The destination and origin types are the ones Esri's table allows.
    const wrong = await failure(addItemRelationship({ originItemId: webmap, destinationItemId: serviceItem, relationshipType: 'Survey2Service', authentication: session }));
    expect(wrong.response.error.details[0]).toMatch(/Survey2Service relationship needs an origin of type Form/);
    expect((await failure(addItemRelationship({ originItemId: form, destinationItemId: csv, relationshipType: 'Survey2Data', authentication: session }))).response.error.details[0]).toMatch(
      /needs a destination of type Feature Service, Web Map/
    );
    expect((await failure(addItemRelationship({ originItemId: form, destinationItemId: serviceItem, relationshipType: 'Survey2Data', authentication: session }))).response.error.details[0]).toMatch(
      /takes a hosted feature layer view/
    );
    expect((await failure(addItemRelationship({ originItemId: form, destinationItemId: webmap, relationshipType: 'Form2Anything' as never, authentication: session }))).response.error.details[0]).toMatch(
      /'Form2Anything' is not a relationship type/
    );
    expect(await removeItemRelationship({ originItemId: form, destinationItemId: serviceItem, relationshipType: 'Survey2Service', authentication: session })).toEqual({ success: true });
    await failure(removeItemRelationship({ originItemId: form, destinationItemId: serviceItem, relationshipType: 'Survey2Service', authentication: session }));

    // compositeDelete: deleting a Map Area deletes its packages; compositeShare: sharing an app shares its code.
    await setItemAccess({ id: app, access: 'org', authentication: session });
    expect((await getItem(code, { authentication: session })).access).toBe('org');
    expect(await removeItem({ id: area, authentication: session })).toMatchObject({ success: true });
    await failure(getItem(pkg, { authentication: session }));
  });

  it('applies the ownership rules and lets only the creator delete a relationship', async () => {
    const ana = addTestUser(emu, `ana_${kind}`, 'org_publisher');
    const ben = addTestUser(emu, `ben_${kind}`, 'org_publisher');
    const anaAuth = await signInAs(emu, ana);
    const benAuth = await signInAs(emu, ben);
    const anaService = (await createItem({ item: { title: 'Ana service', type: 'Feature Service' }, authentication: anaAuth })).id;
    const anaForm = (await createItem({ item: { title: 'Ana survey', type: 'Form' }, authentication: anaAuth })).id;
    const benCsv = (await createItem({ item: { title: 'Ben data', type: 'CSV' }, authentication: benAuth })).id;
    const benMap = (await createItem({ item: { title: 'Ben map', type: 'Web Map' }, authentication: benAuth })).id;
    await setItemAccess({ id: benCsv, access: 'org', authentication: benAuth });
    await setItemAccess({ id: benMap, access: 'org', authentication: benAuth });
    await setItemAccess({ id: anaService, access: 'org', authentication: anaAuth });
    // Service2Data: mustOwnAllItems.
    const notOwned = await failure(addItemRelationship({ originItemId: anaService, destinationItemId: benCsv, relationshipType: 'Service2Data', authentication: anaAuth }));
    expect(notOwned.response.error.details[0]).toMatch(/need 'ana_\w+' to own both items/);
    // Survey2Service: mustOwnOriginItem; the service may be someone else's.
    // (rest-js determineOwner reads `owner`, which its option types leave out.)
    await failure(addItemRelationship({ originItemId: anaForm, destinationItemId: anaService, relationshipType: 'Survey2Service', authentication: benAuth, ...{ owner: ana.username } }));
    expect(await addItemRelationship({ originItemId: anaForm, destinationItemId: anaService, relationshipType: 'Survey2Service', authentication: anaAuth })).toEqual({ success: true });
    // Map2Service has no ownership rule: Ben relates his map to Ana's shared service; Ana cannot delete Ben's relationship.
    expect(await addItemRelationship({ originItemId: benMap, destinationItemId: anaService, relationshipType: 'Map2Service', authentication: benAuth })).toEqual({ success: true });
    const notCreator = await failure(removeItemRelationship({ originItemId: benMap, destinationItemId: anaService, relationshipType: 'Map2Service', authentication: anaAuth }));
    expect(notCreator.response.error.details[0]).toMatch(/Only its creator \('ben_\w+'\) or an administrator/);
    // An administrator may, on the creator's behalf.
    expect(await removeItemRelationship({ originItemId: benMap, destinationItemId: anaService, relationshipType: 'Map2Service', authentication: session, ...{ owner: ben.username } })).toEqual({ success: true });
  });
});
