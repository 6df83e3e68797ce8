import { type EmulatorContext } from '../context.js';
import { createHostedService } from '../features/hosted-service.factory.js';
import { type AttachmentSpec, type Feature, type GeometryType } from '../features/types.js';
import { type Access, type Blob, type ItemData, type ItemRecord, type Role } from '../state/types.js';
import { bufferBlob, lazyBlob } from '../util/blob.js';
import { hashString, Random } from '../util/random.js';
import { fillerBytes, pdf, pdfLayout, png } from './assets.js';
import { DAY, makeFolder, makeGroup, makeItem, makeUser } from './items.js';
import { itemDataKey, markSeeded } from './seed-registry.js';

/**
 * `--scale N` grows the organization for benchmarks. Everything heavy is lazy: item data and files are produced on
 * first read, hosted layers generate features from their objectId, attachments from their parent's objectId.
 *
 * Presets (in addition to the demo organization's content):
 * - N = 10: about 5,000 items incl. 50 hosted layers with 500,000 features and 5,000 attachments in total, 2,000 users
 *   (the backup benchmark of issue 4).
 * - N = 20: about 10,000 items and 2,000 users (the clean benchmark of issue 7), plus one layer of 1,000,000 features.
 * - N = 100: about 50,000 items.
 */
export interface ScalePlan {
  users: number;
  groups: number;
  /** Items added in total, hosted feature layers included. */
  items: number;
  services: number;
  featuresPerLayer: number;
  /** Features 1..attachmentsPerLayer of each layer have one attachment. */
  attachmentsPerLayer: number;
  /** Adds one layer of 1,000,000 features (N >= 20). */
  millionFeatureLayer: boolean;
}

export function scalePlan(n: number): ScalePlan {
  const scale = Math.max(1, n);
  return {
    users: Math.min(2000, Math.round(200 * scale)),
    groups: Math.round(10 * scale),
    items: Math.round(500 * scale),
    services: Math.round(5 * scale),
    featuresPerLayer: 10_000,
    attachmentsPerLayer: 100,
    millionFeatureLayer: scale >= 20
  };
}

const FIRST = ['Alex', 'Jordan', 'Casey', 'Riley', 'Morgan', 'Taylor', 'Jamie', 'Avery', 'Quinn', 'Drew', 'Robin', 'Sky'];
const LAST = ['Smith', 'Garcia', 'Nguyen', 'Khan', 'Müller', 'Rossi', 'Kowalski', 'Haddad', 'Silva', 'Okoro', 'Larsen', 'Tanaka'];
const TOPICS = ['Parcels', 'Zoning', 'Hydrants', 'Sewer', 'Streets', 'Trails', 'Parks', 'Permits', 'Crime', 'Transit', 'Trees', 'Schools', 'Elections', 'Flood', 'Wildfire'];
const ATTACHMENT_BYTES = 8 * 1024;

export function seedScale(emu: EmulatorContext, now: number, n: number): ScalePlan {
  const plan = scalePlan(n);
  const { state } = emu;
  const rnd = new Random(`${emu.options.randomSeed}:scale:${n}`);
  const ago = (days: number) => now - Math.floor(days * DAY);

  // Users: roles and sign-ins spread like a real org's.
  const usernames: string[] = [];
  const creators: string[] = [];
  for (let i = 1; i <= plan.users; i++) {
    const username = `user${String(i).padStart(4, '0')}`;
    const r = rnd.next();
    const role: Role = i <= 5 ? 'org_admin' : r < 0.2 ? 'org_publisher' : 'org_user';
    const viewer = role === 'org_user' && r > 0.85;
    const created = ago(rnd.int(30, 2100));
    const never = rnd.chance(0.08);
    const lastLogin = never ? -1 : Math.min(now, created + Math.floor(rnd.next() * (now - created)));
    makeUser(state, rnd.hexId(), {
      username,
      fullName: `${rnd.pick(FIRST)} ${rnd.pick(LAST)}`,
      role,
      viewer,
      created,
      lastLogin,
      disabled: rnd.chance(0.03)
    });
    usernames.push(username);
    if (!viewer) creators.push(username);
  }
  const publishers = creators.filter((u) => state.getUser(u)!.role !== 'org_user');

  // Folders for the first creators.
  const foldersByUser = new Map<string, string[]>();
  for (const username of creators.slice(0, 300)) {
    const ids: string[] = [];
    for (let f = 0; f < rnd.int(1, 3); f++) {
      const folderId = rnd.hexId();
      makeFolder(state, folderId, username, `${rnd.pick(TOPICS)} ${f + 1}`, ago(rnd.int(10, 1500)));
      ids.push(folderId);
    }
    foldersByUser.set(username, ids);
  }

  // Groups with a handful of members each.
  const groupIds: string[] = [];
  for (let g = 0; g < plan.groups; g++) {
    const groupId = rnd.hexId();
    const owner = rnd.pick(creators);
    const members = Array.from({ length: rnd.int(0, 25) }, () => ({ username: rnd.pick(usernames), type: 'member' as const }));
    makeGroup(state, groupId, {
      title: `${rnd.pick(TOPICS)} Working Group ${g + 1}`,
      owner,
      access: rnd.pick(['private', 'org', 'org', 'public'] as const),
      created: ago(rnd.int(10, 1800)),
      description: 'A working group of the scaled organization.',
      snippet: 'Working group',
      tags: ['scale'],
      members
    });
    groupIds.push(groupId);
  }

  // Hosted feature layers with lazily generated features and attachments.
  const services: ItemRecord[] = [];
  const geometryTypes: GeometryType[] = ['esriGeometryPoint', 'esriGeometryPolyline', 'esriGeometryPolygon'];
  const addService = (index: number, name: string, count: number, attachments: number) => {
    const geometryType = geometryTypes[index % 3]!;
    const owner = rnd.pick(publishers.length > 0 ? publishers : creators);
    const created = Math.max(ago(rnd.int(60, 1800)), state.getUser(owner)!.created + DAY);
    const { item } = createHostedService(emu, {
      name,
      title: `${TOPICS[index % TOPICS.length]} ${index + 1}`,
      owner,
      itemId: rnd.hexId(),
      access: 'org',
      tags: ['scale', TOPICS[index % TOPICS.length]!.toLowerCase()],
      description: 'Generated hosted feature layer.',
      snippet: 'Generated layer',
      capabilities: index % 2 === 0 ? 'Create,Delete,Query,Update,Editing,ChangeTracking' : 'Create,Delete,Query,Update,Editing',
      created,
      modified: Math.max(created, ago(rnd.int(1, 700))),
      fullExtent: { ...SCALE_EXTENT },
      layers: [
        {
          id: 0,
          name: `${TOPICS[index % TOPICS.length]} ${index + 1}`,
          geometryType,
          extent: { ...SCALE_EXTENT },
          fields: [
            { name: 'NAME', type: 'esriFieldTypeString', length: 64 },
            { name: 'CATEGORY', type: 'esriFieldTypeSmallInteger' },
            { name: 'VALUE', type: 'esriFieldTypeDouble' },
            { name: 'UPDATED', type: 'esriFieldTypeDate' }
          ],
          hasAttachments: attachments > 0,
          features: { count, generate: (oid) => scaleFeature(index, oid, geometryType, now) },
          ...(attachments > 0
            ? { attachments: { perFeatureMax: 1, generate: (oid: number): AttachmentSpec[] => (oid <= attachments ? [scaleAttachment(index, oid)] : []) } }
            : {})
        }
      ]
    });
    item.json.numViews = rnd.int(0, 3000);
    services.push(item);
  };
  for (let s = 0; s < plan.services; s++) addService(s, `Scale_Layer_${String(s + 1).padStart(4, '0')}`, plan.featuresPerLayer, plan.attachmentsPerLayer);
  if (plan.millionFeatureLayer) addService(plan.services, 'Scale_Parcels_Million', 1_000_000, 0);

  // Other items: maps referencing the layers, apps referencing the maps, files. Data is produced on first read.
  const thumbnail = bufferBlob(png(200, 133, [60, 100, 160]), 'image/png');
  const maps: string[] = [];
  const remaining = Math.max(0, plan.items - services.length);
  for (let i = 0; i < remaining; i++) {
    const owner = rnd.pick(creators);
    const folders = foldersByUser.get(owner);
    const created = Math.max(ago(rnd.int(1, 2000)), state.getUser(owner)!.created + DAY);
    const stale = rnd.chance(0.05);
    const modified = stale ? created : Math.min(now, created + Math.floor(rnd.next() * (now - created)));
    const access: Access = rnd.chance(0.02) ? 'public' : rnd.pick(['private', 'org', 'org', 'shared'] as const);
    const groups = access === 'shared' || rnd.chance(0.1) ? [rnd.pick(groupIds)] : [];
    const kindRoll = rnd.next();
    const topic = rnd.pick(TOPICS);
    const itemId = rnd.hexId();
    let type: string;
    let typeKeywords: string[];
    let data: ItemData;
    let url: string | null = null;
    if (kindRoll < 0.4 && services.length > 0) {
      type = 'Web Map';
      typeKeywords = ['ArcGIS Online', 'Explorer Web Map', 'Map', 'Online Map', 'Web Map'];
      const layers = [rnd.pick(services), rnd.pick(services)];
      data = lazyJson(() => scaleWebMap(layers));
      maps.push(itemId);
    } else if (kindRoll < 0.5 && maps.length > 0) {
      type = 'Web Mapping Application';
      typeKeywords = ['JavaScript', 'Map', 'Mapping Site', 'Online Map', 'Ready To Use', 'Web Map'];
      const webmap = rnd.pick(maps);
      data = lazyJson(() => JSON.stringify({ source: 'scale', values: { webmap, title: `${topic} viewer` } }));
      url = `${emu.urls.portalUrl}/apps/instant/basic/index.html?appid=${itemId}`;
    } else if (kindRoll < 0.55 && maps.length > 0) {
      type = 'Dashboard';
      typeKeywords = ['Dashboard', 'Operations Dashboard'];
      const webmap = rnd.pick(maps);
      const layer = rnd.pick(services);
      data = lazyJson(() =>
        JSON.stringify({
          version: 27,
          widgets: [
            { type: 'mapWidget', id: 'map', itemId: webmap },
            { type: 'indicatorWidget', id: 'ind', datasets: [{ type: 'serviceDataset', dataSource: { type: 'featureServiceDataSource', itemId: layer.json.id, layerId: 0 } }] }
          ]
        })
      );
    } else if (kindRoll < 0.8) {
      type = 'CSV';
      typeKeywords = ['CSV'];
      const rows = rnd.int(20, 400);
      data = { kind: 'file', filename: `${topic.toLowerCase()}_${i}.csv`, blob: lazyCsv(i, rows) };
    } else if (kindRoll < 0.92) {
      type = 'PDF';
      typeKeywords = ['Data', 'Document', 'PDF'];
      const title = `${topic} report ${i}`;
      const lines = [`Generated document ${i}`];
      data = { kind: 'file', filename: `${topic.toLowerCase()}_report_${i}.pdf`, blob: lazyBlob(pdfLayout(title, lines, 0).size, 'application/pdf', () => pdf(title, lines)) };
    } else {
      type = 'Image';
      typeKeywords = ['Data', 'Image', 'png'];
      data = { kind: 'file', filename: `${topic.toLowerCase()}_${i}.png`, blob: lazyPng(i) };
    }
    const missingDescription = rnd.chance(0.03);
    markSeeded(data, itemDataKey(itemId));
    makeItem(state, {
      id: itemId,
      owner,
      folderId: folders && rnd.chance(0.5) ? rnd.pick(folders) : null,
      title: `${topic} ${type} ${i + 1}`,
      type,
      typeKeywords,
      description: missingDescription ? null : `Generated ${type} about ${topic.toLowerCase()}.`,
      snippet: `${topic} ${type}`,
      tags: ['scale', topic.toLowerCase()],
      created,
      modified,
      access,
      groups,
      url,
      credits: 'Scale generator',
      licenseInfo: 'Benchmark data',
      numViews: stale ? 0 : rnd.int(0, 2000),
      thumbnail,
      data,
      size: data.kind === 'file' ? data.blob.size + thumbnail.size : 2048 + thumbnail.size
    });
  }
  return plan;
}

const SCALE_EXTENT = { xmin: -13060000, ymin: 4020000, xmax: -13030000, ymax: 4050000, spatialReference: { wkid: 102100, latestWkid: 3857 } };

/** JSON data computed on every read (nothing held until a client asks). */
function lazyJson(produce: () => string): ItemData {
  return {
    kind: 'json',
    get text() {
      return produce();
    }
  };
}

function lazyCsv(seed: number, rows: number): Blob {
  // Fixed-width rows, so the size is known without producing the text.
  const header = 'ID,TOPIC,VALUE\r\n';
  const line = (r: number) =>
    `${String(r).padStart(6, '0')},${TOPICS[(seed + r) % TOPICS.length]!.padEnd(9, ' ')},${((hashString(`${seed}:${r}`) % 100000) / 100).toFixed(2).padStart(7, '0')}\r\n`;
  const size = header.length + rows * line(1).length;
  return lazyBlob(size, 'text/csv', () => {
    let text = header;
    for (let r = 1; r <= rows; r++) text += line(r);
    return Buffer.from(text);
  });
}

/** Image items: uncompressed PNGs of a fixed size, produced on first read. */
const IMAGE_BYTES = png(64, 64, [0, 0, 0], 0).length;

function lazyPng(i: number): Blob {
  return lazyBlob(IMAGE_BYTES, 'image/png', () => png(64, 64, [hashString(`r${i}`) % 200, hashString(`g${i}`) % 200, hashString(`b${i}`) % 200], 0));
}

function scaleWebMap(layers: ItemRecord[]): string {
  return JSON.stringify({
    operationalLayers: layers.map((l, i) => ({
      id: `layer_${i}`,
      title: l.json.title,
      url: `${l.json.url as string}/0`,
      itemId: l.json.id,
      layerType: 'ArcGISFeatureLayer',
      visibility: true,
      opacity: 1
    })),
    baseMap: { baseMapLayers: [{ id: 'World_Topo', layerType: 'ArcGISTiledMapServiceLayer', url: 'https://services.arcgisonline.com/arcgis/rest/services/World_Topo_Map/MapServer', visibility: true, opacity: 1, title: 'World Topographic Map' }], title: 'Topographic' },
    spatialReference: { wkid: 102100, latestWkid: 3857 },
    version: '2.33'
  });
}

/** A deterministic feature of scaled layer `layer` (same oid, same feature, on every start). */
export function scaleFeature(layer: number, oid: number, geometryType: GeometryType, now: number): Feature {
  const h = hashString(`${layer}:${oid}`);
  const h2 = hashString(`${oid}:${layer}`);
  const x = SCALE_EXTENT.xmin + (h % 30000);
  const y = SCALE_EXTENT.ymin + (h2 % 30000);
  let geometry: Record<string, unknown>;
  if (geometryType === 'esriGeometryPoint') geometry = { x, y };
  else if (geometryType === 'esriGeometryPolyline') geometry = { paths: [[[x, y], [x + 40, y + 25], [x + 90, y + 10]]] };
  else geometry = { rings: [[[x, y], [x, y + 50], [x + 50, y + 50], [x + 50, y], [x, y]]] };
  return {
    attributes: { NAME: `${TOPICS[layer % TOPICS.length]} feature ${oid}`, CATEGORY: h % 7, VALUE: (h2 % 100000) / 100, UPDATED: now - (h % 1000) * DAY },
    geometry
  };
}

function scaleAttachment(layer: number, oid: number): AttachmentSpec {
  // Distinct bytes per attachment (a backup store must not deduplicate them away), JPEG markers at both ends.
  const blob = lazyBlob(ATTACHMENT_BYTES, 'image/jpeg', () => {
    const b = fillerBytes(ATTACHMENT_BYTES, hashString(`att:${layer}:${oid}`));
    b.set([0xff, 0xd8, 0xff, 0xe0], 0);
    b.set([0xff, 0xd9], ATTACHMENT_BYTES - 2);
    return b;
  });
  return { name: `photo_${oid}.jpg`, contentType: 'image/jpeg', blob };
}
