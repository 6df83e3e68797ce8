import { readFile } from 'node:fs/promises';
import { type EmulatorContext } from '../context.js';
import { createHostedService } from '../features/hosted-service.factory.js';
import { createHostedView, type ViewLayerSpec } from '../features/hosted-view.factory.js';
import { parseJoinTable } from '../features/join-view.js';
import { endProblem, relationshipType } from '../content/relationship-types.js';
import { recycleBinSettings } from '../content/recycle-bin.js';
import { type AttachmentSpec, type Feature, type HostedServiceSpec, type LayerSpec } from '../features/types.js';
import { type Access, type Blob, type ItemData } from '../state/types.js';
import { bufferBlob } from '../util/blob.js';
import { hashString } from '../util/random.js';
import { png } from './assets.js';
import { seedDemo } from './demo.js';
import { DAY, makeFolder, makeGroup, makeItem, makeUser, seedId } from './items.js';

/**
 * Loads a JSON seed file (`--seed FILE.json`); the format is documented in SEED-FORMAT.md next to this file.
 * Every problem is reported with its JSON path, e.g. `users[2].role must be one of ...`.
 */
export async function loadSeedFile(emu: EmulatorContext, path: string, now: number): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`--seed ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)}); give demo, empty or the path of a JSON seed file`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new Error(`--seed ${path}: not valid JSON (${(error as Error).message})`);
  }
  try {
    applySeed(emu, doc, now);
  } catch (error) {
    if (error instanceof SeedError) throw new Error(`--seed ${path}: ${error.message}`);
    throw new Error(`--seed ${path}: ${(error as Error).message}`);
  }
}

export class SeedError extends Error {}

type Obj = Record<string, unknown>;

const ROLES = ['org_admin', 'org_publisher', 'org_user', 'viewer'] as const;
const ACCESS = ['private', 'org', 'public'] as const;
const ITEM_ACCESS = ['private', 'shared', 'org', 'public'] as const;
const SERVER_TYPES = ['ArcGIS', 'ARCGIS_NOTEBOOK_SERVER', 'ARCGIS_MISSION_SERVER'] as const;
const SERVER_ROLES = ['STANDALONE_SERVER', 'FEDERATED_SERVER', 'FEDERATED_SERVER_WITH_RESTRICTED_PUBLISHING', 'HOSTING_SERVER'] as const;

/** Applies a parsed seed document to the state (exported for tests). */
export function applySeed(emu: EmulatorContext, doc: unknown, now: number): void {
  const root = obj(doc, '(root)');
  allowKeys(root, '(root)', ['format', 'extends', 'recycleBin', 'users', 'folders', 'groups', 'services', 'views', 'items', 'relationships', 'federatedServers']);
  if (root.format !== undefined && root.format !== 'arcgis-emulator-seed/1') {
    throw new SeedError(`format must be "arcgis-emulator-seed/1", not ${JSON.stringify(root.format)}`);
  }
  if (root.extends !== undefined) {
    if (root.extends !== 'demo' && root.extends !== 'empty') throw new SeedError(`extends must be "demo" or "empty", not ${JSON.stringify(root.extends)}`);
    if (root.extends === 'demo') seedDemo(emu, now);
  }
  if (root.recycleBin !== undefined) applyRecycleBin(emu, root.recycleBin);
  const { state } = emu;
  const seed = emu.options.randomSeed;
  const ago = (days: unknown, path: string, fallback: number): number => {
    if (days === undefined) return now - fallback * DAY;
    return now - num(days, path, 0) * DAY;
  };
  const subst = (s: string) =>
    s
      .replaceAll('{{servicesRoot}}', emu.urls.servicesRoot)
      .replaceAll('{{portalUrl}}', emu.urls.portalUrl)
      .replaceAll('{{restUrl}}', emu.urls.restUrl)
      .replaceAll('{{orgId}}', state.org.id);
  const deepSubst = (v: unknown): unknown => {
    if (typeof v === 'string') return subst(v);
    if (Array.isArray(v)) return v.map(deepSubst);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, val]) => [k, deepSubst(val)]));
    return v;
  };

  arr(root.users ?? [], 'users').forEach((raw, i) => {
    const p = `users[${i}]`;
    const u = obj(raw, p);
    allowKeys(u, p, ['username', 'fullName', 'role', 'password', 'email', 'userLicenseTypeId', 'disabled', 'createdDaysAgo', 'lastLoginDaysAgo', 'description']);
    const username = str(u.username, `${p}.username`);
    if (!/^[A-Za-z0-9_.@-]{3,128}$/.test(username)) throw new SeedError(`${p}.username '${username}' must be 3-128 letters, digits or _.@-`);
    if (state.getUser(username)) throw new SeedError(`${p}.username '${username}' already exists`);
    const role = oneOf(u.role ?? 'org_user', `${p}.role`, ROLES);
    const created = ago(u.createdDaysAgo, `${p}.createdDaysAgo`, 365);
    const lastLogin = u.lastLoginDaysAgo === null ? -1 : ago(u.lastLoginDaysAgo, `${p}.lastLoginDaysAgo`, 1);
    makeUser(state, seedId(seed, `file-user:${username}`), {
      username,
      fullName: u.fullName === undefined ? username : str(u.fullName, `${p}.fullName`),
      role: role === 'viewer' ? 'org_user' : role,
      viewer: role === 'viewer',
      userLicenseTypeId: u.userLicenseTypeId === undefined ? undefined : str(u.userLicenseTypeId, `${p}.userLicenseTypeId`),
      email: u.email === undefined ? undefined : str(u.email, `${p}.email`),
      password: u.password === undefined ? undefined : str(u.password, `${p}.password`),
      disabled: u.disabled === undefined ? false : bool(u.disabled, `${p}.disabled`),
      description: u.description === undefined ? null : str(u.description, `${p}.description`),
      created,
      lastLogin
    });
  });

  const userExists = (username: string, path: string) => {
    const user = state.getUser(username);
    if (!user) throw new SeedError(`${path}: user '${username}' does not exist (declare it under users first)`);
    return user.username;
  };
  const folderIdFor = (owner: string, title: unknown, path: string): string | null => {
    if (title === undefined || title === null) return null;
    const t = str(title, path);
    const folder = state.foldersOf(owner).find((f) => f.title === t || f.id === t);
    if (!folder) throw new SeedError(`${path}: '${owner}' has no folder '${t}' (declare it under folders)`);
    return folder.id;
  };

  arr(root.folders ?? [], 'folders').forEach((raw, i) => {
    const p = `folders[${i}]`;
    const f = obj(raw, p);
    allowKeys(f, p, ['id', 'owner', 'title', 'createdDaysAgo']);
    const owner = userExists(str(f.owner, `${p}.owner`), `${p}.owner`);
    const title = str(f.title, `${p}.title`);
    if (state.foldersOf(owner).some((x) => x.title.toLowerCase() === title.toLowerCase())) throw new SeedError(`${p}.title: '${owner}' already has a folder '${title}'`);
    makeFolder(state, f.id === undefined ? seedId(seed, `file-folder:${owner}:${title}`) : hexId(f.id, `${p}.id`), owner, title, ago(f.createdDaysAgo, `${p}.createdDaysAgo`, 200));
  });

  const groupIdFor = (ref: unknown, path: string): string => {
    const r = str(ref, path);
    if (state.groups.has(r)) return r;
    const byTitle = [...state.groups.values()].find((g) => g.title === r);
    if (!byTitle) throw new SeedError(`${path}: no group with id or title '${r}' (declare it under groups)`);
    return byTitle.id;
  };

  arr(root.groups ?? [], 'groups').forEach((raw, i) => {
    const p = `groups[${i}]`;
    const g = obj(raw, p);
    allowKeys(g, p, ['id', 'title', 'owner', 'access', 'members', 'admins', 'description', 'snippet', 'tags', 'createdDaysAgo']);
    const owner = userExists(str(g.owner, `${p}.owner`), `${p}.owner`);
    const members = [
      ...arr(g.members ?? [], `${p}.members`).map((m, j) => ({ username: userExists(str(m, `${p}.members[${j}]`), `${p}.members[${j}]`), type: 'member' as const })),
      ...arr(g.admins ?? [], `${p}.admins`).map((m, j) => ({ username: userExists(str(m, `${p}.admins[${j}]`), `${p}.admins[${j}]`), type: 'admin' as const }))
    ];
    const title = str(g.title, `${p}.title`);
    makeGroup(state, g.id === undefined ? seedId(seed, `file-group:${title}`) : hexId(g.id, `${p}.id`), {
      title,
      owner,
      access: oneOf(g.access ?? 'private', `${p}.access`, ACCESS),
      members,
      description: g.description === undefined ? null : str(g.description, `${p}.description`),
      snippet: g.snippet === undefined ? null : str(g.snippet, `${p}.snippet`),
      tags: g.tags === undefined ? [] : arr(g.tags, `${p}.tags`).map((t, j) => str(t, `${p}.tags[${j}]`)),
      created: ago(g.createdDaysAgo, `${p}.createdDaysAgo`, 100)
    });
  });

  arr(root.services ?? [], 'services').forEach((raw, i) => {
    const p = `services[${i}]`;
    const s = obj(raw, p);
    allowKeys(s, p, [
      'name', 'title', 'owner', 'folder', 'itemId', 'access', 'groups', 'description', 'snippet', 'tags', 'serviceDescription',
      'copyrightText', 'capabilities', 'maxRecordCount', 'spatialReference', 'featuresSpatialReference', 'initialExtent',
      'fullExtent', 'createdDaysAgo', 'modifiedDaysAgo', 'itemExtra', 'extra', 'layers', 'tables', 'typeKeywords'
    ]);
    const owner = userExists(str(s.owner, `${p}.owner`), `${p}.owner`);
    const name = str(s.name, `${p}.name`);
    const { folder, groups, createdDaysAgo, modifiedDaysAgo, layers, tables, typeKeywords, ...rest } = s;
    const spec: HostedServiceSpec = {
      ...(rest as Partial<HostedServiceSpec>),
      name,
      owner,
      itemId: s.itemId === undefined ? seedId(seed, `file-service:${name}`) : hexId(s.itemId, `${p}.itemId`),
      folderId: folderIdFor(owner, folder, `${p}.folder`),
      groups: groups === undefined ? [] : arr(groups, `${p}.groups`).map((g, j) => groupIdFor(g, `${p}.groups[${j}]`)),
      created: ago(createdDaysAgo, `${p}.createdDaysAgo`, 30),
      modified: ago(modifiedDaysAgo ?? createdDaysAgo, `${p}.modifiedDaysAgo`, 30),
      layers: arr(layers ?? [], `${p}.layers`).map((l, j) => layerSpec(l, `${p}.layers[${j}]`, now)),
      tables: arr(tables ?? [], `${p}.tables`).map((l, j) => layerSpec(l, `${p}.tables[${j}]`, now)),
      typeKeywords: strings(typeKeywords, `${p}.typeKeywords`)
    };
    if (spec.access !== undefined) oneOf(spec.access, `${p}.access`, ITEM_ACCESS);
    try {
      createHostedService(emu, spec);
    } catch (error) {
      throw new SeedError(`${p}: ${(error as Error).message}`);
    }
  });

  arr(root.federatedServers ?? [], 'federatedServers').forEach((raw, i) => {
    const p = `federatedServers[${i}]`;
    const fs = obj(raw, p);
    allowKeys(fs, p, ['id', 'name', 'url', 'adminUrl', 'isHosted', 'serverType', 'serverRole', 'serverFunction']);
    if (emu.options.kind !== 'enterprise') throw new SeedError(`${p}: federated servers are an ArcGIS Enterprise feature (start with --kind enterprise)`);
    const url = subst(str(fs.url, `${p}.url`));
    if (!/^https?:\/\/[^/]+/i.test(url)) throw new SeedError(`${p}.url '${url}' must be an http(s) URL`);
    (state.org.federatedServers ??= []).push({
      id: fs.id === undefined ? seedId(seed, `federated-server:${url}`).slice(0, 16) : str(fs.id, `${p}.id`),
      name: fs.name === undefined ? new URL(url).host : str(fs.name, `${p}.name`),
      url,
      adminUrl: fs.adminUrl === undefined ? url : subst(str(fs.adminUrl, `${p}.adminUrl`)),
      isHosted: fs.isHosted === undefined ? false : bool(fs.isHosted, `${p}.isHosted`),
      serverType: oneOf(fs.serverType ?? 'ArcGIS', `${p}.serverType`, SERVER_TYPES),
      serverRole: oneOf(fs.serverRole ?? 'FEDERATED_SERVER', `${p}.serverRole`, SERVER_ROLES),
      serverFunction: fs.serverFunction === undefined ? '' : str(fs.serverFunction, `${p}.serverFunction`)
    });
  });
  arr(root.views ?? [], 'views').forEach((raw, i) => {
    const p = `views[${i}]`;
    const v = obj(raw, p);
    allowKeys(v, p, [
      'name', 'title', 'owner', 'folder', 'itemId', 'access', 'groups', 'description', 'snippet', 'tags', 'capabilities', 'updatable',
      'sourceSchemaChangesAllowed', 'typeKeywords', 'createdDaysAgo', 'modifiedDaysAgo', 'itemExtra', 'layers'
    ]);
    const owner = userExists(str(v.owner, `${p}.owner`), `${p}.owner`);
    const name = str(v.name, `${p}.name`);
    const layers = arr(v.layers, `${p}.layers`).map((l, j): ViewLayerSpec => {
      const lp = `${p}.layers[${j}]`;
      const lo = obj(l, lp);
      allowKeys(lo, lp, ['id', 'name', 'source', 'sourceLayerId', 'fields', 'hiddenFields', 'viewDefinitionQuery', 'filter', 'extra', 'join']);
      if (lo.join !== undefined) {
        // A join view layer: `join` is viewLayerDefinition.table as addToDefinition takes it; it names its sources.
        if (['source', 'sourceLayerId', 'fields', 'hiddenFields', 'viewDefinitionQuery', 'filter'].some((k) => lo[k] !== undefined)) {
          throw new Error(`${lp}: a join view layer names its sources, fields and keys in 'join' only.`);
        }
        const join = parseJoinTable(lo.join, lp);
        return {
          id: lo.id === undefined ? undefined : num(lo.id, `${lp}.id`, 0),
          name: lo.name === undefined ? undefined : str(lo.name, `${lp}.name`),
          sourceServiceName: join.sourceServiceName,
          sourceLayerId: join.sourceLayerId,
          join,
          extra: lo.extra === undefined ? undefined : obj(lo.extra, `${lp}.extra`)
        };
      }
      return {
        id: lo.id === undefined ? undefined : num(lo.id, `${lp}.id`, 0),
        name: lo.name === undefined ? undefined : str(lo.name, `${lp}.name`),
        sourceServiceName: str(lo.source, `${lp}.source`),
        sourceLayerId: num(lo.sourceLayerId ?? 0, `${lp}.sourceLayerId`, 0),
        sourceLayerFields: lo.fields === undefined || lo.fields === '*' ? '*' : strings(lo.fields, `${lp}.fields`),
        hiddenFields: strings(lo.hiddenFields, `${lp}.hiddenFields`),
        viewDefinitionQuery: lo.viewDefinitionQuery === undefined ? undefined : String(lo.viewDefinitionQuery),
        filter: lo.filter === undefined ? null : (obj(lo.filter, `${lp}.filter`) as unknown as ViewLayerSpec['filter']),
        extra: lo.extra === undefined ? undefined : obj(lo.extra, `${lp}.extra`)
      };
    });
    try {
      createHostedView(emu, {
        name,
        title: v.title === undefined ? undefined : str(v.title, `${p}.title`),
        owner,
        itemId: v.itemId === undefined ? seedId(seed, `file-view:${name}`) : hexId(v.itemId, `${p}.itemId`),
        folderId: folderIdFor(owner, v.folder, `${p}.folder`),
        access: v.access === undefined ? undefined : (oneOf(v.access, `${p}.access`, ITEM_ACCESS) as Access),
        groups: v.groups === undefined ? [] : arr(v.groups, `${p}.groups`).map((g, j) => groupIdFor(g, `${p}.groups[${j}]`)),
        description: v.description === undefined ? undefined : str(v.description, `${p}.description`),
        snippet: v.snippet === undefined ? undefined : str(v.snippet, `${p}.snippet`),
        tags: strings(v.tags, `${p}.tags`),
        capabilities: v.capabilities === undefined ? undefined : str(v.capabilities, `${p}.capabilities`),
        updatable: v.updatable === undefined ? undefined : bool(v.updatable, `${p}.updatable`),
        sourceSchemaChangesAllowed: v.sourceSchemaChangesAllowed === undefined ? undefined : bool(v.sourceSchemaChangesAllowed, `${p}.sourceSchemaChangesAllowed`),
        typeKeywords: strings(v.typeKeywords, `${p}.typeKeywords`),
        created: ago(v.createdDaysAgo, `${p}.createdDaysAgo`, 30),
        modified: ago(v.modifiedDaysAgo ?? v.createdDaysAgo, `${p}.modifiedDaysAgo`, 30),
        itemExtra: v.itemExtra === undefined ? undefined : obj(v.itemExtra, `${p}.itemExtra`),
        layers
      });
    } catch (error) {
      throw new SeedError(`${p}: ${(error as Error).message}`);
    }
  });

  arr(root.items ?? [], 'items').forEach((raw, i) => {
    const p = `items[${i}]`;
    const it = obj(raw, p);
    allowKeys(it, p, [
      'id', 'owner', 'folder', 'title', 'type', 'typeKeywords', 'description', 'snippet', 'tags', 'access', 'groups', 'url', 'name',
      'credits', 'licenseInfo', 'numViews', 'createdDaysAgo', 'modifiedDaysAgo', 'data', 'resources', 'thumbnail', 'metadata', 'protected'
    ]);
    const owner = userExists(str(it.owner, `${p}.owner`), `${p}.owner`);
    const title = str(it.title, `${p}.title`);
    const itemId = it.id === undefined ? seedId(seed, `file-item:${i}:${title}`) : hexId(it.id, `${p}.id`);
    if (state.items.has(itemId)) throw new SeedError(`${p}.id '${itemId}' is used twice`);
    const groups = it.groups === undefined ? [] : arr(it.groups, `${p}.groups`).map((g, j) => groupIdFor(g, `${p}.groups[${j}]`));
    const created = ago(it.createdDaysAgo, `${p}.createdDaysAgo`, 30);
    const optStr = (v: unknown, path: string) => (v === undefined || v === null ? null : str(v, path));
    makeItem(state, {
      id: itemId,
      owner,
      folderId: folderIdFor(owner, it.folder, `${p}.folder`),
      title,
      type: str(it.type, `${p}.type`),
      typeKeywords: it.typeKeywords === undefined ? [] : arr(it.typeKeywords, `${p}.typeKeywords`).map((t, j) => str(t, `${p}.typeKeywords[${j}]`)),
      description: optStr(it.description, `${p}.description`),
      snippet: optStr(it.snippet, `${p}.snippet`),
      tags: it.tags === undefined ? [] : arr(it.tags, `${p}.tags`).map((t, j) => str(t, `${p}.tags[${j}]`)),
      access: it.access === undefined ? undefined : (oneOf(it.access, `${p}.access`, ITEM_ACCESS) as Access),
      groups,
      url: it.url === undefined || it.url === null ? null : subst(str(it.url, `${p}.url`)),
      name: optStr(it.name, `${p}.name`),
      credits: optStr(it.credits, `${p}.credits`),
      licenseInfo: optStr(it.licenseInfo, `${p}.licenseInfo`),
      numViews: it.numViews === undefined ? 0 : num(it.numViews, `${p}.numViews`, 0),
      protected: it.protected === undefined ? false : bool(it.protected, `${p}.protected`),
      created,
      modified: it.modifiedDaysAgo === undefined ? created : ago(it.modifiedDaysAgo, `${p}.modifiedDaysAgo`, 0),
      data: it.data === undefined ? null : itemData(it.data, `${p}.data`, deepSubst),
      resources: it.resources === undefined ? [] : arr(it.resources, `${p}.resources`).map((r, j) => {
        const rp = `${p}.resources[${j}]`;
        const ro = obj(r, rp);
        allowKeys(ro, rp, ['path', 'json', 'text', 'base64', 'contentType']);
        const path = str(ro.path, `${rp}.path`);
        if (path.startsWith('/') || path.split('/').some((seg) => seg === '..' || seg === '')) throw new SeedError(`${rp}.path '${path}' must be a relative path without '..'`);
        return { path, blob: bytesOf(ro, rp, deepSubst), created };
      }),
      thumbnail: thumbnailOf(it.thumbnail, `${p}.thumbnail`, itemId),
      metadata: it.metadata === undefined ? null : bufferBlob(str(it.metadata, `${p}.metadata`), 'application/xml')
    });
  });

  // Relationships last, between any items of the seed (by id, or by title when one item has it).
  const itemRef = (ref: unknown, path: string) => {
    const r = str(ref, path);
    const byId = state.items.get(r);
    if (byId) return byId;
    const titled = [...state.items.values()].filter((it) => it.json.title === r);
    if (titled.length !== 1) throw new SeedError(`${path}: ${titled.length === 0 ? 'no item' : `${titled.length} items`} with id or title '${r}'`);
    return titled[0]!;
  };
  arr(root.relationships ?? [], 'relationships').forEach((raw, i) => {
    const p = `relationships[${i}]`;
    const r = obj(raw, p);
    allowKeys(r, p, ['type', 'origin', 'destination']);
    const type = relationshipType(str(r.type, `${p}.type`));
    if (!type) throw new SeedError(`${p}.type '${String(r.type)}' is not a relationship type Esri documents`);
    const origin = itemRef(r.origin, `${p}.origin`);
    const destination = itemRef(r.destination, `${p}.destination`);
    for (const [end, item] of [['origin', origin], ['destination', destination]] as const) {
      const problem = endProblem(type, end, item);
      if (problem) throw new SeedError(`${p}.${end}: ${problem}`);
    }
    state.relationships.push({ type: type.name, originItemId: origin.json.id, destinationItemId: destination.json.id, created: origin.json.created, createdBy: origin.json.owner });
  });
}

function strings(v: unknown, path: string): string[] {
  if (v === undefined) return [];
  return arr(v, path).map((t, j) => str(t, `${path}[${j}]`));
}

function layerSpec(raw: unknown, path: string, now: number): LayerSpec {
  const l = obj(raw, path);
  allowKeys(l, path, [
    'id', 'name', 'description', 'copyrightText', 'geometryType', 'objectIdField', 'globalIdField', 'displayField', 'fields',
    'drawingInfo', 'relationships', 'indexes', 'typeIdField', 'types', 'templates', 'hasAttachments', 'editorTracking', 'hasZ',
    'hasM', 'minScale', 'maxScale', 'defaultVisibility', 'maxRecordCount', 'extent', 'extra', 'features', 'generate', 'attachments'
  ]);
  const { generate, features, attachments, ...rest } = l;
  const spec = { ...(rest as Partial<LayerSpec>) } as LayerSpec;
  str(l.name, `${path}.name`);
  if (features !== undefined && generate !== undefined) throw new SeedError(`${path}: give either features or generate, not both`);
  if (features !== undefined) {
    spec.features = arr(features, `${path}.features`).map((f, j) => {
      const fo = obj(f, `${path}.features[${j}]`);
      return { attributes: obj(fo.attributes ?? {}, `${path}.features[${j}].attributes`), geometry: (fo.geometry as Record<string, unknown> | null | undefined) ?? null } satisfies Feature;
    });
  }
  if (attachments !== undefined) {
    // { "<objectId>": [{ "name": "a.jpg", "contentType": "image/jpeg", "base64": "..." }] }
    const byOid: Record<number, AttachmentSpec[]> = {};
    for (const [oidText, list] of Object.entries(obj(attachments, `${path}.attachments`))) {
      const oid = Number(oidText);
      if (!Number.isInteger(oid) || oid < 1) throw new SeedError(`${path}.attachments: '${oidText}' is not an objectId (an integer >= 1)`);
      byOid[oid] = arr(list, `${path}.attachments.${oidText}`).map((a, j) => {
        const ap = `${path}.attachments.${oidText}[${j}]`;
        const ao = obj(a, ap);
        allowKeys(ao, ap, ['name', 'contentType', 'base64', 'text', 'keywords']);
        const blob = bytesOf(ao, ap, (v) => v);
        return { name: str(ao.name, `${ap}.name`), contentType: blob.contentType, blob, keywords: ao.keywords === undefined ? '' : str(ao.keywords, `${ap}.keywords`) };
      });
    }
    spec.attachments = byOid;
    spec.hasAttachments = true;
  }
  if (generate !== undefined) {
    const g = obj(generate, `${path}.generate`);
    allowKeys(g, `${path}.generate`, ['count']);
    const count = num(g.count, `${path}.generate.count`, 0);
    if (!Number.isInteger(count) || count > 10_000_000) throw new SeedError(`${path}.generate.count must be an integer from 0 to 10000000`);
    const geometryType = spec.geometryType;
    spec.features = {
      count,
      generate: (oid) => {
        const h = hashString(`${String(l.name)}:${oid}`);
        const x = -13060000 + (h % 30000);
        const y = 4020000 + (hashString(`${oid}:${String(l.name)}`) % 30000);
        const geometry =
          geometryType === 'esriGeometryPolygon'
            ? { rings: [[[x, y], [x, y + 50], [x + 50, y + 50], [x + 50, y], [x, y]]] }
            : geometryType === 'esriGeometryPolyline'
              ? { paths: [[[x, y], [x + 60, y + 30]]] }
              : geometryType === undefined
                ? null
                : { x, y };
        return { attributes: { NAME: `Feature ${oid}`, VALUE: (h % 10000) / 100, UPDATED: now - (h % 1000) * DAY }, geometry };
      }
    };
    const names = new Set((spec.fields ?? []).map((f) => f.name.toUpperCase()));
    spec.fields = [
      ...(spec.fields ?? []),
      ...(!names.has('NAME') ? [{ name: 'NAME', type: 'esriFieldTypeString' as const, length: 64 }] : []),
      ...(!names.has('VALUE') ? [{ name: 'VALUE', type: 'esriFieldTypeDouble' as const }] : []),
      ...(!names.has('UPDATED') ? [{ name: 'UPDATED', type: 'esriFieldTypeDate' as const }] : [])
    ];
    spec.extent ??= { xmin: -13060000, ymin: 4020000, xmax: -13030000, ymax: 4050000, spatialReference: { wkid: 102100, latestWkid: 3857 } };
  }
  return spec;
}

function itemData(raw: unknown, path: string, deepSubst: (v: unknown) => unknown): ItemData {
  const d = obj(raw, path);
  if ('json' in d) {
    allowKeys(d, path, ['json']);
    return { kind: 'json', text: JSON.stringify(deepSubst(d.json)) };
  }
  allowKeys(d, path, ['text', 'base64', 'filename', 'contentType']);
  return { kind: 'file', blob: bytesOf(d, path, deepSubst), filename: str(d.filename, `${path}.filename`) };
}

function bytesOf(o: Obj, path: string, deepSubst: (v: unknown) => unknown): Blob {
  const contentType = o.contentType === undefined ? 'application/octet-stream' : str(o.contentType, `${path}.contentType`);
  if (o.json !== undefined) return bufferBlob(JSON.stringify(deepSubst(o.json)), o.contentType === undefined ? 'application/json' : contentType);
  if (o.text !== undefined) return bufferBlob(str(o.text, `${path}.text`), o.contentType === undefined ? 'text/plain' : contentType);
  if (o.base64 !== undefined) {
    const b64 = str(o.base64, `${path}.base64`);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new SeedError(`${path}.base64 is not valid base64`);
    return bufferBlob(Buffer.from(b64, 'base64'), contentType);
  }
  throw new SeedError(`${path} needs one of json, text or base64`);
}

function thumbnailOf(raw: unknown, path: string, itemId: string): Blob | null {
  if (raw === undefined || raw === null || raw === false) return null;
  if (raw === 'generate' || raw === true) {
    const h = hashString(itemId);
    return bufferBlob(png(200, 133, [h % 200, (h >>> 8) % 200, (h >>> 16) % 200]), 'image/png');
  }
  const o = obj(raw, path);
  allowKeys(o, path, ['base64']);
  const bytes = Buffer.from(str(o.base64, `${path}.base64`), 'base64');
  if (bytes.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new SeedError(`${path}.base64 must be a PNG image`);
  return bufferBlob(bytes, 'image/png');
}

// ---- tiny validators that name the JSON path of the problem

function obj(v: unknown, path: string): Obj {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new SeedError(`${path} must be an object`);
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new SeedError(`${path} must be an array`);
  return v;
}

/** `recycleBin`: the ArcGIS Online organization's recycle bin (src/content/recycle-bin.ts). */
function applyRecycleBin(emu: EmulatorContext, raw: unknown): void {
  const settings = recycleBinSettings(emu);
  if (!settings) throw new SeedError('recycleBin: ArcGIS Enterprise has no recycle bin (start with --kind online or remove recycleBin)');
  const o = obj(raw, 'recycleBin');
  allowKeys(o, 'recycleBin', ['supported', 'enabled', 'unsupportedTypes', 'restoredSharing']);
  if (o.supported !== undefined) settings.supported = bool(o.supported, 'recycleBin.supported');
  if (o.enabled !== undefined) settings.enabled = bool(o.enabled, 'recycleBin.enabled');
  if (o.unsupportedTypes !== undefined) {
    settings.unsupportedTypes = arr(o.unsupportedTypes, 'recycleBin.unsupportedTypes').map((t, i) => str(t, `recycleBin.unsupportedTypes[${i}]`));
  }
  if (o.restoredSharing !== undefined) settings.restoredSharing = oneOf(o.restoredSharing, 'recycleBin.restoredSharing', ['owner', 'kept'] as const);
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '') throw new SeedError(`${path} must be a non-empty string`);
  return v;
}

function num(v: unknown, path: string, min: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new SeedError(`${path} must be a number >= ${min}`);
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new SeedError(`${path} must be true or false`);
  return v;
}

function hexId(v: unknown, path: string): string {
  const s = str(v, path);
  if (!/^[0-9a-f]{32}$/.test(s)) throw new SeedError(`${path} must be 32 lowercase hexadecimal characters (an ArcGIS id)`);
  return s;
}

function oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !values.includes(v as T)) throw new SeedError(`${path} must be one of ${values.join(', ')}, not ${JSON.stringify(v)}`);
  return v as T;
}

function allowKeys(o: Obj, path: string, keys: string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new SeedError(`${path}.${k} is not a known field (known: ${keys.join(', ')})`);
}
