/**
 * Hosted feature layer views over real HTTP: created as the ArcGIS API for Python's create_view creates them
 * (createService with isView, then addToDefinition with adminLayerInfo.viewLayerDefinition), then read, filtered,
 * edited and deleted as ArcGIS documents. The view never holds rows: everything is read from and written to the source.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../src/index.js';
import { type UserRecord } from '../src/state/types.js';
import { addTestUser } from './support/content-fixtures.js';
import { rawRequest, startTestEmulator } from './support/emulator.js';
import { createTreesService, serviceUrlOf, tokenFor, TREE_COUNT } from './support/feature-fixtures.js';

type Body = Record<string, unknown>;
const errorOf = (r: { body: unknown }) => (r.body as { error?: { code: number; message: string; details: string[]; messageCode?: string } }).error;

describe.each(['online', 'enterprise'] as const)('hosted feature layer views (%s)', (kind) => {
  let emu: EmulatorHandle;
  let admin: string;
  let alice: UserRecord;
  let aliceToken: string;
  let trees: string;

  const post = async (url: string, params: Record<string, string | number | boolean>, token = admin) => (await rawRequest(url, { ...params, token }, { method: 'POST' })).body as Body;
  const get = async (url: string, params: Record<string, string | number | boolean> = {}, token: string | null = admin) =>
    (await rawRequest(url, token ? { ...params, token } : params)).body as Body;
  const admin$ = (url: string) => url.replace('/rest/services', '/rest/admin/services');

  /** A view as create_view makes one: createService(isView) then addToDefinition with viewLayerDefinition. */
  async function createView(
    name: string,
    layers: Record<string, unknown>[],
    options: { owner?: string; token?: string; capabilities?: string; updatable?: boolean; tables?: Record<string, unknown>[] } = {}
  ): Promise<{ url: string; itemId: string; answer: Body }> {
    const owner = options.owner ?? emu.admin.username;
    const token = options.token ?? admin;
    const created = await post(
      `${emu.restUrl}/content/users/${owner}/createService`,
      {
        isView: true,
        outputType: 'featureService',
        createParameters: JSON.stringify({
          name,
          isView: true,
          sourceSchemaChangesAllowed: true,
          isUpdatableView: options.updatable ?? true,
          spatialReference: { wkid: 102100, latestWkid: 3857 },
          capabilities: options.capabilities ?? 'Query'
        })
      },
      token
    );
    expect(created, JSON.stringify(created)).toMatchObject({ success: true, isView: true, type: 'Feature Service' });
    const url = created.serviceurl as string;
    const answer = await post(`${admin$(url)}/addToDefinition`, { addToDefinition: JSON.stringify({ layers, tables: options.tables ?? [] }) }, token);
    return { url, itemId: created.itemId as string, answer };
  }
  const viewOf = (sourceLayerId: number, extra: Record<string, unknown> = {}) => ({
    adminLayerInfo: { viewLayerDefinition: { sourceServiceName: 'Trees', sourceLayerId, sourceLayerFields: '*' } },
    name: sourceLayerId === 0 ? 'Trees' : 'Inspections',
    ...extra
  });

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty', kind });
    createTreesService(emu);
    trees = serviceUrlOf(emu, 'Trees');
    admin = await tokenFor(emu, emu.admin.username, emu.admin.password);
    alice = addTestUser(emu, 'alice_views', 'org_publisher');
    aliceToken = await tokenFor(emu, alice.username, alice.password);
  });
  afterAll(async () => {
    await emu.close();
  });

  it('creates a view, describes it as ArcGIS does, and relates it to its source (Service2Data, origin the view)', async () => {
    const { url, itemId, answer } = await createView('Trees_view', [viewOf(0)], { tables: [{ ...viewOf(1), id: 1 }] });
    expect(answer).toEqual({ layers: [{ name: 'Trees', id: 0 }], tables: [{ name: 'Inspections', id: 1 }], success: true });

    const service = await get(url);
    expect(service).toMatchObject({ isView: true, isUpdatableView: true, sourceSchemaChangesAllowed: true, capabilities: 'Query', serviceItemId: itemId });
    expect(service).not.toHaveProperty('hasViews');
    expect((service.relationships as Body[])[0]).toMatchObject({ originLayerId: 0, destinationLayerId: 1 });
    const layer = await get(`${url}/0`);
    expect(layer).toMatchObject({ isView: true, isUpdatableView: true, sourceSchemaChangesAllowed: true, viewDefinitionQuery: '', geometryType: 'esriGeometryPoint', objectIdField: 'OBJECTID', hasAttachments: true });
    expect((layer.fields as Body[]).map((f) => f.name)).toEqual(((await get(`${trees}/0`)).fields as Body[]).map((f) => f.name));

    // The source says it has views, the service and the layer.
    expect(await get(trees)).toMatchObject({ hasViews: true });
    expect(await get(`${trees}/0`)).toMatchObject({ hasViews: true });
    expect(await get(`${trees}/0`)).not.toHaveProperty('isView');

    // Sources and views resources.
    const sourceItemId = emu.context.state.getService('Trees')!.itemId;
    expect(await get(`${url}/sources`)).toEqual({ currentVersion: expect.any(Number), services: [{ name: 'Trees', type: 'FeatureServer', url: trees, serviceItemId: sourceItemId }] });
    expect(await get(`${trees}/views`)).toEqual({ currentVersion: expect.any(Number), views: [{ name: 'Trees_view', type: 'FeatureServer', url, serviceItemId: itemId }] });
    expect(await get(`${trees}/sources`)).toMatchObject({ services: [] });
    expect(await get(`${url}/0/sources`)).toMatchObject({ layers: [{ id: 0, url: `${trees}/0`, serviceItemId: sourceItemId }] });
    expect(await get(`${url}/1/sources`)).toMatchObject({ tables: [{ id: 1, url: `${trees}/1`, serviceItemId: sourceItemId }] });

    // The admin layer shows how it was defined.
    expect(((await get(`${admin$(url)}/0`)).adminLayerInfo as Body).viewLayerDefinition).toEqual({ sourceServiceName: 'Trees', sourceLayerId: 0, sourceLayerFields: '*' });

    // The item: a Feature Service with "View Service", no size of its own, related to its source.
    const item = await get(`${emu.restUrl}/content/items/${itemId}`);
    expect(item).toMatchObject({ type: 'Feature Service', url, size: 0 });
    expect(item.typeKeywords).toEqual(expect.arrayContaining(['View Service', 'Hosted Service', 'Multilayer']));
    const forward = await get(`${emu.restUrl}/content/items/${itemId}/relatedItems`, { relationshipType: 'Service2Data', direction: 'forward' });
    expect((forward.relatedItems as Body[]).map((i) => i.id)).toEqual([sourceItemId]);
    const reverse = await get(`${emu.restUrl}/content/items/${sourceItemId}/relatedItems`, { relationshipType: 'Service2Data', direction: 'reverse' });
    expect((reverse.relatedItems as Body[]).map((i) => i.id)).toContain(itemId);

    // No row is copied into the view.
    const viewService = emu.context.state.getService('Trees_view')!;
    expect([...viewService.layers.values()].map((l) => l.store.count())).toEqual([0, 0]);
  });

  it('answers queries from the source, filtered by the definition query, with only the visible fields', async () => {
    const { url } = await createView('Trees_checked', [viewOf(0)]);
    expect((await get(`${url}/0/query`, { where: '1=1', returnCountOnly: true })).count).toBe(TREE_COUNT);

    expect(await post(`${admin$(url)}/0/updateDefinition`, { updateDefinition: JSON.stringify({ viewDefinitionQuery: "status = 'check'", fields: [{ name: 'inspector', visible: false }] }) })).toEqual({ success: true });
    const layer = await get(`${url}/0`);
    expect(layer.viewDefinitionQuery).toBe("status = 'check'");
    expect((layer.fields as Body[]).map((f) => f.name)).not.toContain('inspector');

    const all = await get(`${url}/0/query`, { where: '1=1', outFields: '*', orderByFields: 'OBJECTID' });
    const features = all.features as { attributes: Body }[];
    expect(features.map((f) => f.attributes.OBJECTID)).toEqual(Array.from({ length: TREE_COUNT }, (_, i) => i + 1).filter((n) => n % 2 === 1).slice(0, 10));
    expect(all.exceededTransferLimit).toBe(true); // maxRecordCount 10, copied from the source layer
    for (const f of features) {
      expect(f.attributes.status).toBe('check');
      expect(f.attributes).not.toHaveProperty('inspector');
    }
    expect((await get(`${url}/0/query`, { where: '1=1', returnCountOnly: true })).count).toBe(Math.ceil(TREE_COUNT / 2));
    expect((await get(`${url}/0/query`, { where: 'height > 30', returnIdsOnly: true })).objectIds).toEqual([21, 23, 25]);
    // A hidden field is not a field of the view.
    expect(errorOf({ body: await get(`${url}/0/query`, { where: "inspector = 'x'" }) })!.details[0]).toMatch(/Invalid field: inspector/);
    // Features outside the view are not there.
    expect(errorOf({ body: await get(`${url}/0/2`) })).toMatchObject({ code: 404 });
    expect(((await get(`${url}/0/3`)).feature as { attributes: Body }).attributes).toMatchObject({ OBJECTID: 3, status: 'check' });
    // Visible again.
    await post(`${admin$(url)}/0/updateDefinition`, { updateDefinition: JSON.stringify({ fields: [{ name: 'inspector', visible: true, alias: 'Inspected by' }] }) });
    expect((((await get(`${url}/0`)).fields as Body[]).find((f) => f.name === 'inspector'))!.alias).toBe('Inspected by');
    // The view's alias is the view's own.
    expect((((await get(`${trees}/0`)).fields as Body[]).find((f) => f.name === 'inspector'))!.alias).toBe('inspector');
  });

  it('refuses invalid view definitions with clear errors and changes nothing', async () => {
    const { url } = await createView('Trees_invalid', [viewOf(0)]);
    const bad = await post(`${admin$(url)}/0/updateDefinition`, { updateDefinition: JSON.stringify({ viewDefinitionQuery: 'nope = 1', fields: [{ name: 'height', visible: false }] }) });
    expect(errorOf({ body: bad })).toMatchObject({ code: 400, message: 'Unable to update feature service layer definition.' });
    expect(errorOf({ body: bad })!.details[0]).toMatch(/viewDefinitionQuery "nope = 1" is not valid/);
    expect(((await get(`${url}/0`)).fields as Body[]).map((f) => f.name)).toContain('height');
    expect(errorOf({ body: await post(`${admin$(url)}/0/updateDefinition`, { updateDefinition: JSON.stringify({ fields: [{ name: 'OBJECTID', visible: false }] }) }) })!.details[0]).toMatch(/cannot be hidden/);
    expect(errorOf({ body: await post(`${admin$(url)}/0/updateDefinition`, { updateDefinition: JSON.stringify({ fields: [{ name: 'ghost', visible: false }] }) }) })!.details[0]).toMatch(/'ghost' does not exist/);
    // Fields of a view are the source's.
    expect(errorOf({ body: await post(`${admin$(url)}/0/addToDefinition`, { addToDefinition: JSON.stringify({ fields: [{ name: 'extra', type: 'esriFieldTypeString' }] }) }) })!.details[0]).toMatch(/change the fields of the source layer/);
    // A non-view layer has no view definition query.
    expect(errorOf({ body: await post(`${admin$(trees)}/0/updateDefinition`, { updateDefinition: JSON.stringify({ viewDefinitionQuery: '1=1' }) }) })!.details[0]).toMatch(/apply to the layers of a view/);
    // Not updatable views get no edit capabilities.
    const readOnly = await createView('Trees_readonly', [viewOf(0)], { updatable: false });
    expect(errorOf({ body: await post(`${admin$(readOnly.url)}/updateDefinition`, { updateDefinition: JSON.stringify({ capabilities: 'Query,Update,Editing' }) }) })!.details[0]).toMatch(/isUpdatableView false/);
  });

  it('refuses what it does not build: views of views, joins of nothing, views in an ordinary service, views without a source', async () => {
    const { url: first } = await createView('Trees_first', [viewOf(0)]);
    void first;
    const ofView = await createView('Trees_second', [{ adminLayerInfo: { viewLayerDefinition: { sourceServiceName: 'Trees_first', sourceLayerId: 0 } }, name: 'Trees' }]);
    expect(errorOf({ body: ofView.answer })).toMatchObject({ code: 400, message: 'Unable to add feature service definition.' });
    expect(errorOf({ body: ofView.answer })!.details[0]).toMatch(/'Trees_first' is itself a view; views of views are not supported/);
    const join = await createView('Trees_join', [
      { adminLayerInfo: { viewLayerDefinition: { table: { name: 'j', sourceServiceName: 'Trees', sourceLayerId: 0, relatedTables: [] } } }, name: 'Joined' }
    ]);
    expect(errorOf({ body: join.answer })!.details[0]).toMatch(/sourceLayerFields must list the fields the view shows/);
    const noSource = await createView('Trees_nosource', [{ name: 'Plain', geometryType: 'esriGeometryPoint' }]);
    expect(errorOf({ body: noSource.answer })!.details[0]).toMatch(/is a view: each layer needs adminLayerInfo.viewLayerDefinition/);
    const missing = await createView('Trees_missing', [{ adminLayerInfo: { viewLayerDefinition: { sourceServiceName: 'Nope', sourceLayerId: 0 } }, name: 'X' }]);
    expect(errorOf({ body: missing.answer })!.details[0]).toMatch(/source service 'Nope' does not exist/);
    expect(errorOf({ body: await post(`${admin$(trees)}/addToDefinition`, { addToDefinition: JSON.stringify({ layers: [viewOf(0, { name: 'Again' })] }) }) })!.details[0]).toMatch(/is not a view/);
    // Only the source's owner or an administrator makes views of it.
    const byAlice = await createView('Trees_alice', [viewOf(0)], { owner: alice.username, token: aliceToken });
    expect(errorOf({ body: byAlice.answer })).toMatchObject({ code: 403 });
    expect(emu.context.state.getService('Trees_alice')!.layers.size).toBe(0);
  });

  it('edits through an updatable view reach the source, within its capabilities and definition query', async () => {
    const { url } = await createView('Trees_editable', [viewOf(0, { viewDefinitionQuery: "status = 'check'" })], { capabilities: 'Query,Create,Update,Editing' });
    const source = emu.context.state.getService('Trees')!.layers.get(0)!;
    const before = source.store.count();
    const added = await post(`${url}/0/applyEdits`, { adds: JSON.stringify([{ attributes: { species: 'Oak', status: 'check', inspector: 'view' }, geometry: { x: -13046000, y: 4035000 } }]) });
    const oid = (added.addResults as Body[])[0]!.objectId as number;
    expect(added.addResults).toEqual([expect.objectContaining({ success: true, objectId: oid })]);
    expect(source.store.count()).toBe(before + 1);
    expect(source.store.get(oid)!.attributes).toMatchObject({ species: 'Oak', status: 'check', inspector: 'view', height: null });
    expect(emu.context.state.getService('Trees_editable')!.layers.get(0)!.store.count()).toBe(0);
    // Seen through the source as well.
    expect(((await get(`${trees}/0/${oid}`)).feature as { attributes: Body }).attributes.inspector).toBe('view');

    // Outside the definition query: an add or an update that would leave the view is refused; features outside
    // the view cannot be updated (they are not there).
    const outside = await post(`${url}/0/applyEdits`, { adds: JSON.stringify([{ attributes: { species: 'Pine', status: 'ok' } }]) });
    expect((outside.addResults as Body[])[0]).toMatchObject({ success: false, error: { code: 1000 } });
    expect(String(((outside.addResults as Body[])[0]!.error as Body).description)).toMatch(/outside the view/);
    expect(source.store.count()).toBe(before + 1);
    const leave = await post(`${url}/0/updateFeatures`, { features: JSON.stringify([{ attributes: { OBJECTID: oid, status: 'ok' } }]) });
    expect((leave.updateResults as Body[])[0]).toMatchObject({ success: false, error: { code: 1000 } });
    const hidden = await post(`${url}/0/updateFeatures`, { features: JSON.stringify([{ attributes: { OBJECTID: 2, inspector: 'x' } }]) });
    expect((hidden.updateResults as Body[])[0]).toMatchObject({ success: false, error: { code: 1011 } });
    expect(source.store.get(2)!.attributes.inspector).not.toBe('x');
    const inside = await post(`${url}/0/updateFeatures`, { features: JSON.stringify([{ attributes: { OBJECTID: 1, inspector: 'through view' } }]) });
    expect((inside.updateResults as Body[])[0]).toMatchObject({ success: true });
    expect(source.store.get(1)!.attributes.inspector).toBe('through view');

    // Capabilities are the view's: no Delete here, although the source allows it.
    expect(errorOf({ body: await post(`${url}/0/deleteFeatures`, { objectIds: String(oid) }) })).toMatchObject({ code: 400, message: 'Requested operation is not supported by this service.' });
    expect(source.store.get(oid)).toBeDefined();
    // A view that is not updatable refuses every edit.
    const readOnly = await createView('Trees_ro', [viewOf(0)], { updatable: false });
    const refused = await post(`${readOnly.url}/0/applyEdits`, { adds: JSON.stringify([{ attributes: { status: 'check' } }]) });
    expect(errorOf({ body: refused })!.details[0]).toMatch(/not updatable/);
    // Change tracking of the source moved with the edit.
    expect(emu.context.state.getService('Trees')!.layers.get(0)!.serverGen).toBeGreaterThan(0);
  });

  it('ignores hidden fields in edits and keeps a spatial filter as part of the view', async () => {
    const { url } = await createView('Trees_hidden', [viewOf(0)], { capabilities: 'Query,Create,Update,Editing' });
    await post(`${admin$(url)}/0/updateDefinition`, { updateDefinition: JSON.stringify({ fields: [{ name: 'inspector', visible: false }] }) });
    const source = emu.context.state.getService('Trees')!.layers.get(0)!;
    const before = source.store.get(4)!.attributes.inspector;
    const updated = await post(`${url}/0/updateFeatures`, { features: JSON.stringify([{ attributes: { OBJECTID: 4, inspector: 'sneaky', height: 7 } }]) });
    expect((updated.updateResults as Body[])[0]).toMatchObject({ success: true });
    expect(source.store.get(4)!.attributes).toMatchObject({ inspector: before, height: 7 });
    const added = await post(`${url}/0/addFeatures`, { features: JSON.stringify([{ attributes: { status: 'ok', inspector: 'sneaky' } }]) });
    const oid = (added.addResults as Body[])[0]!.objectId as number;
    expect(source.store.get(oid)!.attributes.inspector).toBeNull();

    // Trees 1..25 lie on a diagonal from (-117.199, 34.051); the filter keeps the first ten.
    const filter = { operator: 'esriSpatialRelIntersects', value: { geometryType: 'esriGeometryEnvelope', geometry: { xmin: -117.2, ymin: 34.05, xmax: -117.1895, ymax: 34.0605, spatialReference: { wkid: 4326 } } } };
    expect(await post(`${admin$(url)}/0/updateDefinition`, { updateDefinition: JSON.stringify({ viewLayerDefinition: { filter } }) })).toEqual({ success: true });
    expect((await get(`${url}/0/query`, { where: '1=1', returnIdsOnly: true })).objectIds).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(((await get(`${admin$(url)}/0`)).adminLayerInfo as { viewLayerDefinition: Body }).viewLayerDefinition.filter).toEqual(filter);
    const far = await post(`${url}/0/addFeatures`, { features: JSON.stringify([{ attributes: { status: 'ok' }, geometry: { x: 0, y: 0 } }]) });
    expect((far.addResults as Body[])[0]).toMatchObject({ success: false, error: { code: 1000 } });
    const moved = await post(`${url}/0/updateFeatures`, { features: JSON.stringify([{ attributes: { OBJECTID: 2 }, geometry: { x: 0, y: 0 } }]) });
    expect((moved.updateResults as Body[])[0]).toMatchObject({ success: false, error: { code: 1000 } });
    expect(errorOf({ body: await post(`${admin$(url)}/0/updateDefinition`, { updateDefinition: JSON.stringify({ viewLayerDefinition: { sourceServiceName: 'Other' } }) }) })!.details[0]).toMatch(/source cannot be changed/);
    await post(`${admin$(url)}/0/updateDefinition`, { updateDefinition: JSON.stringify({ viewLayerDefinition: { filter: null } }) });
    expect((await get(`${url}/0/query`, { where: '1=1', returnCountOnly: true })).count).toBeGreaterThan(10);
  });

  it('serves the source attachments through the view, and adds attachments to the source', async () => {
    const { url } = await createView('Trees_photos', [viewOf(0)], { capabilities: 'Query,Create,Update,Editing' });
    const infos = await get(`${url}/0/2/attachments`);
    expect((infos.attachmentInfos as Body[]).map((a) => a.name)).toEqual(['notes.txt', 'leaf.png']);
    const bytes = await fetch(`${url}/0/2/attachments/${(infos.attachmentInfos as Body[])[0]!.id as number}?token=${admin}`);
    expect(await bytes.text()).toBe('healthy');
    const grouped = await get(`${url}/0/queryAttachments`, { objectIds: '1,2', returnUrl: true });
    const first = (grouped.attachmentGroups as { parentObjectId: number; attachmentInfos: Body[] }[])[0]!;
    expect(first.attachmentInfos[0]!.url).toBe(`${url}/0/1/attachments/${first.attachmentInfos[0]!.id as number}`);

    const form = new FormData();
    form.set('f', 'json');
    form.set('token', admin);
    form.set('attachment', new Blob([Buffer.from('via view')], { type: 'text/plain' }), 'view.txt');
    const added = (await (await fetch(`${url}/0/3/addAttachment`, { method: 'POST', body: form })).json()) as { addAttachmentResult: Body };
    expect(added.addAttachmentResult).toMatchObject({ success: true });
    expect(emu.context.state.getService('Trees')!.layers.get(0)!.attachments.list(3).map((a) => a.name)).toEqual(['view.txt']);
    // A read-only view refuses attachment edits too.
    const readOnly = await createView('Trees_photos_ro', [viewOf(0)], { updatable: false });
    const refused = (await (await fetch(`${readOnly.url}/0/3/addAttachment`, { method: 'POST', body: form })).json()) as Body;
    expect(errorOf({ body: refused })!.details[0]).toMatch(/not updatable/);
    expect(emu.context.state.getService('Trees')!.layers.get(0)!.attachments.list(3)).toHaveLength(1);
    // A view that hides attachments does not serve them.
    await post(`${admin$(url)}/0/updateDefinition`, { updateDefinition: JSON.stringify({ hasAttachments: false }) });
    expect(errorOf({ body: await get(`${url}/0/2/attachments`) })!.details[0]).toMatch(/does not support attachments/);
    expect((await get(`${trees}/0/2/attachments`)).attachmentInfos).toHaveLength(2);
  });

  it('lets anyone read a public view of a private source, and only through the view', async () => {
    const { url, itemId } = await createView('Trees_public', [viewOf(0, { viewDefinitionQuery: 'height < 5' })]);
    await post(`${emu.restUrl}/content/items/${itemId}/share`, { everyone: true, org: true });
    const anonymous = await get(`${url}/0/query`, { where: '1=1', returnIdsOnly: true }, null);
    expect(anonymous.objectIds).toEqual([1, 2, 3]);
    expect(errorOf({ body: await get(`${trees}/0/query`, { where: '1=1' }, null) })).toMatchObject({ code: 499 });
  });

  it('refuses to delete a source that has views (as Esri documents), and deletes it once its views are gone', async () => {
    const svc = await post(`${emu.restUrl}/content/users/${emu.admin.username}/createService`, {
      outputType: 'featureService',
      createParameters: JSON.stringify({ name: 'Poles', capabilities: 'Query', layers: [{ name: 'Poles', geometryType: 'esriGeometryPoint', fields: [{ name: 'TAG', type: 'esriFieldTypeString' }] }] })
    });
    const sourceId = svc.itemId as string;
    const created = await post(`${emu.restUrl}/content/users/${emu.admin.username}/createService`, {
      isView: true,
      outputType: 'featureService',
      createParameters: JSON.stringify({ name: 'Poles_view', isView: true, capabilities: 'Query' })
    });
    await post(`${admin$(created.serviceurl as string)}/addToDefinition`, {
      addToDefinition: JSON.stringify({ layers: [{ name: 'Poles', adminLayerInfo: { viewLayerDefinition: { sourceServiceName: 'Poles', sourceLayerId: 0 } } }] })
    });
    const users = `${emu.restUrl}/content/users/${emu.admin.username}`;
    const can = await post(`${users}/items/${sourceId}/canDelete`, {});
    expect(can).toMatchObject({ itemId: sourceId, success: false, error: { code: 400, messageCode: 'CONT_00481', offendingItems: [{ itemId: created.itemId, title: 'Poles_view', type: 'Feature Service' }] } });
    const refused = await post(`${users}/items/${sourceId}/delete`, {});
    expect(errorOf({ body: refused })).toMatchObject({ code: 400, messageCode: 'CONT_00481', message: 'Unable to delete item. This service item has a related Service item' });
    expect(errorOf({ body: refused })!.details[0]).toMatch(/delete them first: 'Poles_view'/);
    const bulk = await post(`${users}/deleteItems`, { items: sourceId });
    expect((bulk.results as Body[])[0]).toMatchObject({ itemId: sourceId, success: false, error: { messageCode: 'CONT_00481' } });
    expect(emu.context.state.items.has(sourceId)).toBe(true);
    // A source layer used by a view cannot leave the service either.
    expect(errorOf({ body: await post(`${admin$(serviceUrlOf(emu, 'Poles'))}/deleteFromDefinition`, { deleteFromDefinition: JSON.stringify({ layers: [{ id: 0 }] }) }) })!.details[0]).toMatch(/source of the views 'Poles_view'/);

    // permanently: on ArcGIS Online a plain delete would move them to the recycle bin (recycle-bin.http.test.ts)
    expect(await post(`${users}/items/${created.itemId as string}/delete`, { permanentDelete: true })).toMatchObject({ success: true });
    expect(emu.context.state.getService('Poles_view')).toBeUndefined();
    expect(await post(`${users}/items/${sourceId}/canDelete`, {})).toEqual({ itemId: sourceId, success: true });
    expect(await post(`${users}/items/${sourceId}/delete`, { permanentDelete: true })).toMatchObject({ success: true });
    expect(emu.context.state.getService('Poles')).toBeUndefined();
  });
});

describe('deleting a source with --delete-source-with-views cascade', () => {
  it('deletes the views with their source, and their relationships', async () => {
    const emu = await startTestEmulator({ seed: 'empty', deleteSourceWithViews: 'cascade' });
    try {
      createTreesService(emu);
      const token = await tokenFor(emu, emu.admin.username, emu.admin.password);
      const created = (await rawRequest(`${emu.restUrl}/content/users/${emu.admin.username}/createService`, {
        token,
        isView: true,
        outputType: 'featureService',
        createParameters: JSON.stringify({ name: 'Trees_view', isView: true })
      }, { method: 'POST' })).body as Body;
      const adminUrl = (created.serviceurl as string).replace('/rest/services', '/rest/admin/services');
      await rawRequest(`${adminUrl}/addToDefinition`, { token, addToDefinition: JSON.stringify({ layers: [{ name: 'Trees', adminLayerInfo: { viewLayerDefinition: { sourceServiceName: 'Trees', sourceLayerId: 0 } } }] }) }, { method: 'POST' });
      const sourceId = emu.context.state.getService('Trees')!.itemId;
      expect(emu.context.state.relationships).toHaveLength(1);
      const deleted = await rawRequest(`${emu.restUrl}/content/users/${emu.admin.username}/items/${sourceId}/delete`, { token, permanentDelete: true }, { method: 'POST' });
      expect(deleted.body).toMatchObject({ success: true });
      expect(emu.context.state.items.has(created.itemId as string)).toBe(false);
      expect(emu.context.state.getService('Trees_view')).toBeUndefined();
      expect(emu.context.state.relationships).toEqual([]);
    } finally {
      await emu.close();
    }
  });
});
