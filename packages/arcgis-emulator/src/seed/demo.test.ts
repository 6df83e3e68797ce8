import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../options.js';
import { type EmulatorState } from '../state/state.js';
import { type ItemRecord } from '../state/types.js';
import { DEMO_EXPECTATIONS, DEMO_SERVICE_NAMES, demoExpectations } from './demo-expectations.js';
import { DAY } from './items.js';
import { buildInitialState } from './seed.js';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const ORIGIN = 'http://127.0.0.1:7070';

async function demo(kind: 'online' | 'enterprise' = 'online', randomSeed?: string) {
  return buildInitialState(resolveOptions({ seed: 'demo', kind, port: 0, randomSeed }), ORIGIN, NOW);
}

function dataBytes(item: ItemRecord): Buffer | null {
  if (!item.data) return null;
  return item.data.kind === 'json' ? Buffer.from(item.data.text) : item.data.blob.read();
}

/** Item ids and service URLs an item names: in its data and JSON resources, by key, and in Arcade data expressions. */
function references(item: ItemRecord): { itemIds: string[]; urls: string[] } {
  const itemIds: string[] = [];
  const urls: string[] = [];
  const texts: string[] = [];
  if (item.data?.kind === 'json') texts.push(item.data.text);
  for (const [path, r] of item.resources) if (path.endsWith('.json')) texts.push(r.blob.read().toString('utf8'));
  const walk = (v: unknown, key?: string) => {
    if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    else if (typeof v === 'string') {
      if ((key === 'itemId' || key === 'webmap' || key === 'featureServiceItemId' || key === 'serviceItemId') && /^[0-9a-f]{32}$/.test(v)) itemIds.push(v);
      if (key === 'url' && v.includes('/FeatureServer')) urls.push(v);
      for (const m of v.matchAll(/FeatureSetByPortalItem\([^,]+,\s*'([0-9a-f]{32})'/g)) itemIds.push(m[1]!);
    }
  };
  for (const text of texts) walk(JSON.parse(text));
  return { itemIds, urls };
}

function resolvesUrl(state: EmulatorState, servicesRoot: string, url: string): boolean {
  const match = new RegExp(`^${servicesRoot.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^/]+)/FeatureServer(?:/(\\d+))?$`).exec(url);
  if (!match) return false;
  const service = state.getService(match[1]!);
  return !!service && (match[2] === undefined || service.layers.has(Number(match[2])));
}

describe('demo organization', () => {
  it('is deterministic: the same ids, records and bytes on every build', async () => {
    const a = await demo();
    const b = await demo();
    const snapshot = (s: EmulatorState) =>
      JSON.stringify({
        users: [...s.users.values()].map(({ password: _p, ...u }) => u),
        groups: [...s.groups.values()].map((g) => ({ ...g, members: [...g.members] })),
        folders: [...s.folders.values()],
        items: [...s.items.values()].map((i) => ({
          json: i.json,
          data: dataBytes(i)?.toString('base64').slice(0, 2000),
          resources: [...i.resources.keys()],
          thumbnail: i.thumbnailBlob?.read().toString('base64'),
          groups: [...i.groups]
        })),
        services: [...s.services.values()].map((svc) => ({
          name: svc.name,
          itemId: svc.itemId,
          layers: [...svc.layers.values()].map((l) => ({ id: l.id, features: [...l.store.scan(0)].map((f) => [f.attributes, f.geometry]) }))
        }))
      });
    expect(snapshot(a.state)).toBe(snapshot(b.state));
    const other = await demo('online', 'another-seed');
    expect(other.state.items.has(DEMO_EXPECTATIONS.ids['map-parks'])).toBe(false);
    expect(other.state.items.has(demoExpectations('another-seed').ids['map-parks'])).toBe(true);
  });

  it('holds users of every role, as documented', async () => {
    const { state } = await demo();
    const x = DEMO_EXPECTATIONS.users;
    expect([...state.users.values()].map((u) => u.username).sort()).toEqual([...x.all].sort());
    const viewers = [...state.users.values()].filter((u) => u.roleId === 'iAAAAAAAAAAAAAAA');
    expect(viewers.map((u) => u.username).sort()).toEqual([...x.byRole.viewer].sort());
    for (const v of viewers) expect(v.userLicenseTypeId).toBe('viewerUT');
    expect([...state.users.values()].filter((u) => u.role === 'org_admin').map((u) => u.username)).toEqual(x.byRole.administrator);
    expect([...state.users.values()].filter((u) => u.role === 'org_publisher').map((u) => u.username).sort()).toEqual([...x.byRole.publisher].sort());
    expect([...state.users.values()].filter((u) => u.disabled).map((u) => u.username)).toEqual(x.disabled);
    expect([...state.users.values()].filter((u) => u.lastLogin === -1).map((u) => u.username).sort()).toEqual([...x.neverLoggedIn].sort());
    const over365 = [...state.users.values()].filter((u) => u.lastLogin !== -1 && u.lastLogin < NOW - 365 * DAY);
    expect(over365.map((u) => u.username).sort()).toEqual([...x.noLoginOver365Days].sort());
    const active = [...state.users.values()].filter((u) => u.lastLogin >= NOW - 45 * DAY);
    expect(active.length + over365.length + x.neverLoggedIn.length).toBe(state.users.size);
    const owners = new Set([...state.items.values()].map((i) => i.json.owner));
    expect([...state.users.values()].filter((u) => u.disabled && owners.has(u.username)).map((u) => u.username)).toEqual(x.disabledOwningContent);
    for (const u of state.users.values()) if (u.lastLogin === -1) expect(u.created).toBeLessThan(NOW - 365 * DAY);
  });

  it('has consistent dates: nothing older than the org, its owner or its folder, nothing modified before created', async () => {
    const { state } = await demo();
    for (const u of state.users.values()) {
      expect(u.created).toBeGreaterThanOrEqual(state.org.created);
      if (u.lastLogin !== -1) expect(u.lastLogin).toBeGreaterThan(u.created);
      expect(u.lastLogin).toBeLessThanOrEqual(NOW);
    }
    for (const item of state.items.values()) {
      const { created, modified, owner, ownerFolder } = item.json;
      expect(created, item.json.title).toBeGreaterThanOrEqual(state.getUser(owner)!.created);
      if (ownerFolder) expect(created, item.json.title).toBeGreaterThanOrEqual(state.folders.get(ownerFolder)!.created);
      expect(modified, item.json.title).toBeGreaterThanOrEqual(created);
      expect(modified).toBeLessThanOrEqual(NOW);
    }
    for (const g of state.groups.values()) expect(g.created).toBeGreaterThanOrEqual(state.getUser(g.owner)!.created);
    for (const f of state.folders.values()) expect(f.created).toBeGreaterThanOrEqual(state.getUser(f.username)!.created);
  });

  it('holds exactly the planted groups and folders', async () => {
    const { state } = await demo();
    const x = DEMO_EXPECTATIONS.groups;
    expect([...state.groups.keys()].sort()).toEqual([...x.all].sort());
    const shared = new Set([...state.items.values()].flatMap((i) => [...i.groups]));
    expect([...state.groups.values()].filter((g) => !shared.has(g.id)).map((g) => g.id).sort()).toEqual([...x.noContent].sort());
    expect([...state.groups.values()].filter((g) => g.members.size === 1).map((g) => g.id).sort()).toEqual([...x.singleMember].sort());
    expect([...state.groups.values()].filter((g) => g.members.size === 1 && !shared.has(g.id)).map((g) => g.id)).toEqual(x.empty);
    expect([...state.groups.values()].filter((g) => g.access === 'public').map((g) => g.id)).toEqual(x.public);
    expect([...state.groups.values()].filter((g) => state.getUser(g.owner)?.disabled).map((g) => g.id)).toEqual(x.ownerDisabled);
    const used = new Set([...state.items.values()].map((i) => i.json.ownerFolder));
    expect([...state.folders.values()].filter((f) => !used.has(f.id)).map((f) => f.id)).toEqual(DEMO_EXPECTATIONS.folders.emptyFolders);
    for (const item of state.items.values()) {
      if (item.json.ownerFolder) expect(state.folders.get(item.json.ownerFolder)?.username).toBe(item.json.owner);
    }
  });

  it('plants every item case exactly (both directions)', async () => {
    const { state } = await demo();
    const x = DEMO_EXPECTATIONS.items;
    const items = [...state.items.values()];
    const ids = (f: (i: ItemRecord) => boolean) => items.filter(f).map((i) => i.json.id).sort();
    const sorted = (a: string[]) => [...a].sort();

    for (const id of x.all) expect(state.items.has(id), id).toBe(true);
    expect(ids((i) => i.json.modified < NOW - 3 * 365 * DAY && i.json.numViews === 0)).toEqual(sorted(x.staleItems));
    // every other item is clearly fresh
    expect(ids((i) => i.json.modified < NOW - 120 * DAY || i.json.numViews === 0)).toEqual(sorted(x.staleItems));
    expect(ids((i) => i.json.access === 'public')).toEqual(sorted(x.publicItems));
    expect(ids((i) => i.json.size >= 10 * 1024 * 1024)).toEqual(sorted(x.largeItems));
    expect(ids((i) => i.json.size >= 1024 * 1024)).toEqual(sorted(x.largeItems));
    expect(ids((i) => state.getUser(i.json.owner)?.disabled === true)).toEqual(sorted(x.ownedByDisabledUsers));
    expect(ids((i) => /<script|onerror=/i.test(`${i.json.title} ${i.json.description ?? ''}`))).toEqual(sorted(x.markupInText));

    const editable = items.filter((i) => {
      const svc = [...state.services.values()].find((s) => s.itemId === i.json.id);
      return i.json.access === 'public' && !!svc && /(^|,)(Create|Update|Delete)(,|$)/.test(String(svc.definition.capabilities));
    });
    expect(editable.map((i) => i.json.id)).toEqual(x.publiclyEditableLayers);

    const missing = x.missingMetadata;
    expect(ids((i) => !i.json.description)).toEqual(sorted(missing.description));
    expect(ids((i) => !i.json.snippet)).toEqual(sorted(missing.snippet));
    expect(ids((i) => i.json.tags.length === 0)).toEqual(sorted(missing.tags));
    expect(ids((i) => !i.json.thumbnail || !i.thumbnailBlob)).toEqual(sorted(missing.thumbnail));
    expect(ids((i) => !i.json.licenseInfo)).toEqual(sorted(missing.licenseInfo));
    expect(ids((i) => !i.json.accessInformation)).toEqual(sorted(missing.accessInformation));

    const byTitle = new Map<string, string[]>();
    for (const i of items) {
      const key = `${i.json.owner}\u0000${i.json.type}\u0000${i.json.title.toLowerCase()}`;
      byTitle.set(key, [...(byTitle.get(key) ?? []), i.json.id]);
    }
    expect([...byTitle.values()].filter((v) => v.length > 1).map((v) => v.sort())).toEqual(x.duplicatesByTitle.map(sorted));
    const byData = new Map<string, string[]>();
    for (const i of items) {
      const bytes = i.json.size < 1024 * 1024 ? dataBytes(i) : null;
      if (!bytes) continue;
      const key = createHash('sha256').update(bytes).digest('hex');
      byData.set(key, [...(byData.get(key) ?? []), i.json.id]);
    }
    expect([...byData.values()].filter((v) => v.length > 1).map((v) => v.sort())).toEqual(x.duplicatesByData.map(sorted));

    for (const [id, paths] of Object.entries(x.withResources)) expect([...state.items.get(id)!.resources.keys()].sort()).toEqual([...paths].sort());
    expect(ids((i) => i.resources.size > 0)).toEqual(sorted(Object.keys(x.withResources)));
  });

  it('references resolve by item id and URL, except the planted broken ones', async () => {
    for (const kind of ['online', 'enterprise'] as const) {
      const built = await demo(kind);
      const { state } = built;
      const servicesRoot = kind === 'online' ? `${ORIGIN}/${state.org.id}/arcgis/rest/services` : `${ORIGIN}/server/rest/services/Hosted`;
      const broken: string[] = [];
      let checked = 0;
      for (const item of state.items.values()) {
        const refs = references(item);
        checked += refs.itemIds.length + refs.urls.length;
        const ok = refs.itemIds.every((id) => state.items.has(id)) && refs.urls.every((u) => resolvesUrl(state, servicesRoot, u));
        if (!ok) broken.push(item.json.id);
      }
      expect(checked).toBeGreaterThan(25);
      expect(broken.sort()).toEqual([...DEMO_EXPECTATIONS.brokenReferences.itemIds].sort());
      const b = DEMO_EXPECTATIONS.brokenReferences;
      expect(state.items.has(b.webMapToDeletedLayer.missingItemId)).toBe(false);
      expect(state.getService(b.webMapToDeletedLayer.missingServiceName)).toBeUndefined();
      expect(state.getService(b.webMapToDeadUrl.deadServiceName)).toBeUndefined();
      expect(state.items.has(b.appToMissingMap.missingItemId)).toBe(false);
      for (const f of b.findings.filter((x) => !DEMO_EXPECTATIONS.itemTypes.broken.itemIds.includes(x.itemId))) {
        const data = JSON.parse((state.items.get(f.itemId)!.data as { text: string }).text) as { values?: { webmap: string }; operationalLayers?: { itemId?: string; url: string; title: string }[] };
        if (f.path === 'values.webmap') expect(data.values!.webmap).toBe(f.missingItemId);
        else {
          const layer = data.operationalLayers![Number(/\[(\d+)\]/.exec(f.path)![1])]!;
          expect(layer.title).toBe(f.title);
          expect(layer.itemId).toBe(f.missingItemId);
          expect(layer.url).toBe(f.url!.replace('<servicesRoot>', servicesRoot));
        }
      }
      // every URL outside the organization is on one of the documented external hosts
      const hosts = new Set<string>();
      for (const item of state.items.values()) {
        if (item.data?.kind !== 'json') continue;
        for (const m of item.data.text.matchAll(/"(https?:\/\/[^"]+)"/g)) {
          const url = new URL(m[1]!);
          if (url.origin !== ORIGIN) hosts.add(url.host);
        }
      }
      expect([...hosts].sort()).toEqual([...b.externalHosts].sort());
      // web map layers carry both the item id and the URL of the same service
      const waterMap = JSON.parse((state.items.get(DEMO_EXPECTATIONS.ids['map-water'])!.data as { text: string }).text) as {
        operationalLayers: { itemId: string; url: string; layerType: string }[];
        tables: { itemId: string; url: string }[];
        baseMap: { baseMapLayers: unknown[] };
        version: string;
        spatialReference: { wkid: number };
      };
      expect(waterMap.operationalLayers.map((l) => l.layerType)).toEqual(['ArcGISFeatureLayer', 'ArcGISFeatureLayer']);
      expect(waterMap.operationalLayers[0]!.url).toBe(`${servicesRoot}/${DEMO_SERVICE_NAMES.water}/FeatureServer/0`);
      expect(waterMap.tables[0]!.url).toBe(`${servicesRoot}/${DEMO_SERVICE_NAMES.water}/FeatureServer/2`);
      expect(waterMap.baseMap.baseMapLayers.length).toBeGreaterThan(0);
      expect(waterMap.spatialReference.wkid).toBe(102100);
    }
  });

  it('holds hosted layers of every shape: geometry kinds, table, domains, attachments, relationship, editor tracking', async () => {
    const { state } = await demo();
    const water = state.getService(DEMO_SERVICE_NAMES.water)!;
    expect([...water.layers.values()].map((l) => [l.id, l.kind, l.geometryType])).toEqual([
      [0, 'layer', 'esriGeometryPoint'],
      [1, 'layer', 'esriGeometryPolyline'],
      [2, 'table', null]
    ]);
    const hydrants = water.layers.get(0)!;
    expect(hydrants.editorTracking).toBe(true);
    expect(hydrants.fields.map((f) => f.domain?.type)).toContain('codedValue');
    expect(hydrants.fields.map((f) => f.domain?.type)).toContain('range');
    expect(hydrants.attachments.list(2).map((a) => a.name)).toEqual(['hydrant_2_photo.png', 'inspection_form.pdf']);
    expect((hydrants.definition.relationships as { relatedTableId: number }[])[0]!.relatedTableId).toBe(2);
    const guids = new Set([...hydrants.store.scan(0)].map((f) => f.attributes.GlobalID));
    for (const row of water.layers.get(2)!.store.scan(0)) expect(guids.has(row.attributes.HydrantGlobalID)).toBe(true);
    expect(String(water.definition.capabilities)).toContain('ChangeTracking');
    expect(state.getService(DEMO_SERVICE_NAMES.parks)!.layers.get(0)!.geometryType).toBe('esriGeometryPolygon');
    expect(state.getService(DEMO_SERVICE_NAMES.permits)!.layers.get(0)!.kind).toBe('table');
    expect(String(state.getService(DEMO_SERVICE_NAMES.permits)!.definition.capabilities)).not.toContain('ChangeTracking');
  });

  it('holds Survey123 surveys and views as their expectations say, rows only in the sources', async () => {
    const { state } = await demo();
    const x = DEMO_EXPECTATIONS;
    const services = [...state.services.values()];
    const serviceOf = (itemId: string) => services.find((svc) => svc.itemId === itemId)!;
    const views = [...state.items.values()].filter((i) => i.json.typeKeywords.includes('View Service')).map((i) => i.json.id);
    expect(views.sort()).toEqual([...x.views.all].sort());
    for (const id of x.views.all) {
      const view = serviceOf(id);
      expect(view.definition.isView).toBe(true);
      const layer0 = view.layers.get(0)!;
      expect(state.getService(layer0.view!.sourceServiceName)!.itemId).toBe(x.views.sourceOf[id]);
      expect(layer0.definition.viewDefinitionQuery).toBe(x.views.definitionQuery[id]);
      expect([...layer0.view!.hiddenFields].sort()).toEqual([...x.views.hiddenFields[id]!].sort());
      // no rows and no attachments of their own
      for (const l of view.layers.values()) expect([l.store.count(), l.attachments.snapshot().byParent.length]).toEqual([0, 0]);
      const updatable = view.definition.isUpdatableView === true && /(^|,)(Create|Update|Delete)(,|$)/.test(String(view.definition.capabilities));
      expect(updatable, id).toBe(x.views.updatable.includes(id));
      expect(state.items.get(id)!.json.owner, 'a view and its source have one owner').toBe(state.items.get(x.views.sourceOf[id]!)!.json.owner);
    }
    const rels = (list: { type: string; originItemId: string; destinationItemId: string }[]) => list.map((r) => `${r.type} ${r.originItemId} ${r.destinationItemId}`).sort();
    expect(rels(state.relationships)).toEqual(rels(x.relationships));

    for (const survey of x.surveys) {
      const form = state.items.get(survey.form)!;
      expect(form.json.type).toBe('Form');
      expect(form.json.typeKeywords).toEqual(['Form', 'Survey123', survey.publishedWith === 'connect' ? 'Survey123 Connect' : 'Survey123 Hub', 'xForm']);
      // the package names the view the form submits to
      const zipped = dataBytes(form)!;
      expect(zipped.readUInt32LE(0)).toBe(0x04034b50);
      const submission = `${ORIGIN}/${state.org.id}/arcgis/rest/services/${serviceOf(survey.submissionView).name}/FeatureServer`;
      expect(zipped.toString('latin1')).toContain(`<submission action="${submission}"`);
      expect(zipped.toString('latin1')).toMatch(/esriinfo\/[^/]+\.webform/);
      if (survey.publishedWith === 'connect') {
        const xlsx = [...form.resources.values()].find((r) => r.path.endsWith('.xlsx'))!.blob.read();
        expect(xlsx.toString('latin1')).toContain('xl/worksheets/sheet3.xml');
        expect(xlsx.toString('latin1')).toContain(submission);
      } else {
        const formJson = JSON.parse(form.resources.get('form.json')!.blob.read().toString('utf8')) as { layerName: string; questions: { type: string }[] };
        expect(formJson.layerName).toBe('survey');
        expect(formJson.questions.map((q) => q.type)).toContain('esriQuestionTypeRepeat');
      }
      // the service: the survey layer and its repeats, related by globalid -> parentglobalid
      const service = serviceOf(survey.service);
      const layer = service.layers.get(0)!;
      expect(layer.globalIdField).toBe('globalid');
      expect(layer.definition.hasAttachments).toBe(true);
      const parents = new Set([...layer.store.scan(0)].map((f) => f.attributes.globalid));
      expect(parents.size).toBeGreaterThan(20);
      for (const [i, name] of survey.repeats.entries()) {
        const table = service.layers.get(i + 1)!;
        expect([table.kind, table.definition.name]).toEqual(['table', name]);
        expect(table.definition.relationships).toEqual([expect.objectContaining({ role: 'esriRelRoleDestination', keyField: 'parentglobalid', relatedTableId: 0 })]);
        const rows = [...table.store.scan(0)];
        expect(rows.length).toBeGreaterThan(10);
        for (const row of rows) expect(parents.has(row.attributes.parentglobalid)).toBe(true);
      }
      expect((layer.definition.relationships as { keyField: string }[])[0]!.keyField).toBe('globalid');
      const photos = [...layer.store.scan(0)].flatMap((f) => layer.attachments.list(f.oid));
      expect(photos.length).toBeGreaterThan(0);
      expect(new Set(photos.map((a) => a.keywords)).size).toBe(1);
      // Survey2Service and Survey2Data as the survey was published
      const forward = (type: string) => state.relationships.filter((r) => r.type === type && r.originItemId === survey.form).map((r) => r.destinationItemId);
      expect(forward('Survey2Service')).toEqual([survey.publishedWith === 'connect' ? survey.service : survey.submissionView]);
      expect(forward('Survey2Data')).toEqual([survey.resultsView]);
      expect(x.views.publicSubmission).toContain(survey.submissionView);
      expect(state.items.get(survey.submissionView)!.json.access).toBe('public');
      expect(state.items.get(survey.service)!.json.access).not.toBe('public');
    }
  });

  it('holds real files: PNG thumbnails, PDFs, a zipped shapefile, metadata XML, lazy large files of the stated size', async () => {
    const { state } = await demo();
    const ids = DEMO_EXPECTATIONS.ids;
    for (const item of state.items.values()) {
      if (item.thumbnailBlob) expect(item.thumbnailBlob.read().subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      if (item.metadataXml) {
        const xml = item.metadataXml.read().toString('utf8');
        expect(xml.startsWith('<?xml')).toBe(true);
        expect(xml).toMatch(/<metadata xml:lang="en">[\s\S]*<\/metadata>/);
      }
    }
    const pdfBytes = dataBytes(state.items.get(ids['pdf-annual-report'])!)!;
    expect(pdfBytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdfBytes.toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);
    const shp = dataBytes(state.items.get(ids['shp-zoning'])!)!;
    expect(shp.readUInt32LE(0)).toBe(0x04034b50);
    const shpStart = shp.indexOf(Buffer.from('zoning_districts.shp')) + 'zoning_districts.shp'.length;
    expect(shp.readInt32BE(shpStart)).toBe(9994);
    for (const key of ['pdf-lidar', 'fgdb-ortho'] as const) {
      const item = state.items.get(ids[key])!;
      const blob = (item.data as { blob: { size: number; read(): Buffer } }).blob;
      const bytes = blob.read();
      expect(bytes.length).toBe(blob.size);
    }
    const lidar = dataBytes(state.items.get(ids['pdf-lidar'])!)!;
    expect(lidar.subarray(0, 5).toString()).toBe('%PDF-');
    expect(lidar.toString('latin1', lidar.length - 6).trim()).toBe('%%EOF');
    const story = state.items.get(ids['story-parks'])!;
    expect(story.json.type).toBe('StoryMap');
    expect(story.resources.get('images/hero.png')!.blob.read().subarray(1, 4).toString()).toBe('PNG');
  });
});
