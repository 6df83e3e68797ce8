import { randomBytes } from 'node:crypto';
import { ArcGISIdentityManager, request } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOLDER_ROTATION, rotationSlot, runBackup } from '../src/backup/backup.engine.js';
import type { BackupIdentity, BackupResult } from '../src/backup/backup.types.js';
import { type ItemEntry, type SnapshotManifest, type Store, check, openStore } from '../src/store/index.js';
import { startTestEmulator, tempFolder, type EmulatorHandle, requestsDuring } from './support/emulator-harness.js';
import { QUICK_RETRY, sessionFor } from './support/emulator-session.js';

async function entriesOf(store: Store, manifest: SnapshotManifest): Promise<Map<string, ItemEntry>> {
  const map = new Map<string, ItemEntry>();
  for await (const entry of store.readList(manifest, 'items')) map.set(entry.id, entry);
  return map;
}

const endpointCount = (emu: EmulatorHandle, endpoint: string) => emu.requestLog.snapshot(0).byEndpoint[endpoint] ?? 0;

/** Requests per endpoint made while `work` ran. */
/** A call through the emulator's real REST API, as the organization's administrator. */
async function adminCall(emu: EmulatorHandle, path: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const authentication = await ArcGISIdentityManager.signIn({ username: emu.admin.username, password: emu.admin.password, portal: emu.restUrl });
  return request(`${emu.restUrl}/${path}`, { httpMethod: 'POST', authentication, params }) as Promise<Record<string, unknown>>;
}

describe('runBackup against the emulated demo organization', () => {
  let emu: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  let identity: BackupIdentity;
  let first: BackupResult;
  let related: { map: string; service: string };
  let bigFile: string;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    folder = await tempFolder('orgkeeper-backup-');
    // A documented relationship type (the demo's own links use a type the engine does not ask for).
    const items = [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);
    // A map and a service the demo relates to nothing else (its deployed solution lists the water network).
    const unrelated = (i: (typeof items)[number]) => !emu.context.state.relationships.some((r) => r.originItemId === i.json.id || r.destinationItemId === i.json.id);
    const map = items.find((i) => i.json.type === 'Web Map' && unrelated(i))!;
    const service = items.find((i) => i.json.type === 'Feature Service' && unrelated(i))!;
    related = { map: map.json.id, service: service.json.id };
    emu.context.state.relationships.push({ type: 'Map2Service', originItemId: map.json.id, destinationItemId: service.json.id, created: Date.now() });
    // One large file, so data is streamed into the store (bodies over 1 MB are not held in memory).
    const file = items.find((i) => i.data?.kind === 'file')!;
    const big = randomBytes(3 * 1024 * 1024 + 17);
    file.data = { kind: 'file', filename: 'survey-photos.zip', blob: { contentType: 'application/zip', size: big.length, read: () => big } };
    bigFile = file.json.id;
    identity = { id: 'identity-1', name: 'Springfield', fileLocation: `${folder.path}/store`, orgId: emu.orgId, portalUrl: emu.portalUrl, portalName: 'Springfield' };
  }, 60_000);
  afterAll(async () => {
    await emu?.close();
    await folder?.remove();
  });

  const orgItems = () => [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);

  it('stores every part of every item, the groups and the users', async () => {
    const progress: string[] = [];
    first = await runBackup({ identity, session: sessionFor(emu, { retry: QUICK_RETRY }), name: 'First', onProgress: (p) => progress.push(p.phase) });
    expect(first.problems).toEqual([]);
    expect(first.items.filter((i) => i.status !== 'ok')).toEqual([]);
    expect(first.status).toBe('complete');
    expect(progress).toContain('items');
    expect(progress.at(-1)).toBe('done');

    const store = await openStore(identity.fileLocation, { expectOrgId: emu.orgId });
    const manifest = await store.readSnapshot(first.snapshotId);
    expect(manifest).toMatchObject({ name: 'First', status: 'complete', org: { id: emu.orgId } });
    expect(manifest.parent).toBeUndefined();
    const entries = await entriesOf(store, manifest);
    const expected = orgItems();
    expect([...entries.keys()].sort()).toEqual(expected.map((i) => i.json.id).sort());
    expect(first.counts.ok).toBe(expected.length);

    let files = 0;
    let resources = 0;
    let metadata = 0;
    let hosted = 0;
    for (const record of expected) {
      const entry = entries.get(record.json.id)!;
      const at = `${record.json.id} (${record.json.type})`;
      expect(entry.status, at).toBe('ok');
      expect(entry.modified, at).toBe(record.json.modified);
      const itemJson = await store.getJson<{ id: string; title: string }>(entry.item!.hash);
      expect(itemJson, at).toMatchObject({ id: record.json.id, title: record.json.title });
      if (record.data === null) expect(entry.data, at).toBeUndefined();
      else if (record.data.kind === 'json') {
        expect((await store.blobs.get(entry.data!.hash)).toString('utf8'), at).toBe(record.data.text);
      } else {
        files++;
        expect(entry.data, at).toMatchObject({ kind: 'file', filename: record.data.filename });
        expect((await store.blobs.get(entry.data!.hash)).equals(record.data.blob.read()), at).toBe(true);
      }
      expect(entry.resources?.map((r) => r.path).sort(), at).toEqual([...record.resources.keys()].sort());
      for (const resource of entry.resources ?? []) {
        resources++;
        expect((await store.blobs.get(resource.hash)).equals(record.resources.get(resource.path)!.blob.read()), `${at} ${resource.path}`).toBe(true);
      }
      if (record.thumbnailBlob && record.json.thumbnail) {
        expect((await store.blobs.get(entry.thumbnail!.hash)).equals(record.thumbnailBlob.read()), at).toBe(true);
      } else expect(entry.thumbnail, at).toBeUndefined();
      if (record.metadataXml) {
        metadata++;
        expect((await store.blobs.get(entry.metadata!.hash)).equals(record.metadataXml.read()), at).toBe(true);
      } else expect(entry.metadata, at).toBeUndefined();
      expect(entry.sharing, at).toEqual({ access: record.json.access, groups: [...record.groups].sort() });
      if (record.json.type === 'Feature Service' && record.json.typeKeywords.includes('Hosted Service')) {
        hosted++;
        expect(entry.service?.layers.length, at).toBeGreaterThan(0);
      }
    }
    // Every relationship the organization has for the map, of every type Esri names (the demo relates it to an app too).
    const ofMap = emu.context.state.relationships.filter((r) => r.originItemId === related.map || r.destinationItemId === related.map);
    expect(entries.get(related.map)!.related).toContainEqual({ relationshipType: 'Map2Service', direction: 'forward', itemId: related.service });
    expect(new Set(entries.get(related.map)!.related)).toEqual(
      new Set(ofMap.map((r) => (r.originItemId === related.map ? { relationshipType: r.type, direction: 'forward', itemId: r.destinationItemId } : { relationshipType: r.type, direction: 'reverse', itemId: r.originItemId })))
    );
    expect(entries.get(related.service)!.related).toEqual([{ relationshipType: 'Map2Service', direction: 'reverse', itemId: related.map }]);
    expect(entries.get(bigFile)!.data).toMatchObject({ kind: 'file', filename: 'survey-photos.zip', size: 3 * 1024 * 1024 + 17, contentType: 'application/zip' });
    // The demo organization exercises every kind of part.
    expect({ files: files > 0, resources: resources > 0, metadata: metadata > 0, hosted: hosted > 0 }).toEqual({ files: true, resources: true, metadata: true, hosted: true });

    const groups = new Map<string, { members?: { hash: string }; items?: string[] }>();
    for await (const group of store.readList(manifest, 'groups')) groups.set(group.id, group);
    const orgGroups = [...emu.context.state.groups.values()].filter((g) => g.orgId === emu.orgId);
    expect([...groups.keys()].sort()).toEqual(orgGroups.map((g) => g.id).sort());
    for (const group of orgGroups) {
      const sharedWith = orgItems().filter((i) => i.groups.has(group.id)).map((i) => i.json.id).sort();
      expect(groups.get(group.id)!.items, group.title).toEqual(sharedWith);
      const members = await store.getJson<{ owner: string; admins: string[]; users: string[] }>(groups.get(group.id)!.members!.hash);
      expect(new Set([members.owner, ...members.admins, ...members.users]), group.title).toEqual(new Set(group.members.keys()));
    }
    const users = new Map<string, { role?: string; groups?: string[]; folders?: { id: string }[] }>();
    for await (const user of store.readList(manifest, 'users')) users.set(user.username, user);
    const orgUsers = [...emu.context.state.users.values()].filter((u) => u.orgId === emu.orgId);
    expect([...users.keys()].sort()).toEqual(orgUsers.map((u) => u.username).sort());
    for (const user of orgUsers) {
      const entry = users.get(user.username)!;
      expect(entry.role, user.username).toBe(user.role);
      expect(entry.groups, user.username).toEqual(orgGroups.filter((g) => g.members.has(user.username)).map((g) => g.id).sort());
      const folders = [...emu.context.state.folders.values()].filter((f) => f.username === user.username).map((f) => f.id).sort();
      expect(entry.folders?.map((f) => f.id), user.username).toEqual(folders);
    }
    expect(first.counts).toMatchObject({ groups: orgGroups.length, users: orgUsers.length });
    expect(manifest.bytes).toEqual({ read: first.bytesRead, newStored: first.newBytes });
    expect(first.newBytes).toBeGreaterThan(0);
  }, 60_000);

  it('backs up only the changed items on the next run and re-reads sharing', async () => {
    const plain = orgItems().filter((i) => i.data?.kind === 'json' && !i.json.typeKeywords.includes('Hosted Service'));
    const changed = plain.slice(0, 3);
    for (const record of changed) {
      record.data = { kind: 'json', text: JSON.stringify({ changed: record.json.id, at: Date.now() }) };
      record.json.modified = Date.now();
    }
    // A sharing change does not change `modified` in ArcGIS.
    const reshared = plain[5]!;
    const group = [...emu.context.state.groups.values()].find((g) => g.orgId === emu.orgId && !reshared.groups.has(g.id))!;
    const modifiedBefore = reshared.json.modified;
    await adminCall(emu, `content/items/${reshared.json.id}/share`, { groups: group.id });
    expect(reshared.groups.has(group.id)).toBe(true);
    expect(reshared.json.modified).toBe(modifiedBefore);

    const dataBefore = endpointCount(emu, 'content/items/data');
    const itemBefore = endpointCount(emu, 'content/items');
    const second = await runBackup({ identity, session: sessionFor(emu, { retry: QUICK_RETRY }), name: 'Second' });
    expect(second.status).toBe('complete');
    expect(second.parent).toBe(first.snapshotId);
    expect(endpointCount(emu, 'content/items/data') - dataBefore).toBe(changed.length);
    const refetched = second.items.filter((i) => !i.carriedOver).map((i) => i.id).sort();
    expect(refetched).toEqual(changed.map((c) => c.json.id).sort());
    expect(second.counts.carriedOver).toBe(orgItems().length - changed.length);
    expect(endpointCount(emu, 'content/items') - itemBefore).toBe(changed.length);

    const store = await openStore(identity.fileLocation);
    const entries = await entriesOf(store, await store.readSnapshot(second.snapshotId));
    for (const record of changed) expect((await store.blobs.get(entries.get(record.json.id)!.data!.hash)).toString('utf8')).toBe((record.data as { text: string }).text);
    expect(entries.get(reshared.json.id)!.sharing!.groups).toContain(group.id);
    expect(entries.get(reshared.json.id)!.carriedFrom).toBe(first.snapshotId);
    expect(second.newBytes).toBeLessThan(first.newBytes / 4);
  }, 60_000);

  it('adds almost nothing when nothing changed, and the store checks clean', async () => {
    const third = await runBackup({ identity, session: sessionFor(emu, { retry: QUICK_RETRY }), name: 'Third' });
    const { result: fourth, byEndpoint: asked } = await requestsDuring(emu, () => runBackup({ identity, session: sessionFor(emu, { retry: QUICK_RETRY }), name: 'Fourth' }));
    // Nothing downloaded again: no item JSON, data, resources, thumbnails, metadata, per-item sharing or feature
    // queries. What is asked: the search pages (the items, and each group's content, which gives the items' sharing),
    // two requests per hosted service, each group's members, the user pages, the folders of the users whose turn in
    // the folder rotation this run is, and the organization's servers (portals/self/urls, once a run).
    const hosted = orgItems().filter((i) => i.json.type === 'Feature Service' && i.json.typeKeywords.includes('Hosted Service')).length;
    const orgGroups = [...emu.context.state.groups.values()].filter((g) => g.orgId === emu.orgId);
    const orgUsers = [...emu.context.state.users.values()].filter((u) => u.orgId === emu.orgId);
    const turn = 3 % FOLDER_ROTATION; // three snapshots before this run
    const allowed = new Set(['search', 'features:service', 'features:layers', 'community/groups', 'community/groups/<id>/users', 'community/self', 'portals/self/users', 'content/users', 'generateToken', 'info', 'server/rest/info', 'portals/self', 'portals/self/urls']);
    expect(Object.keys(asked).filter((endpoint) => !allowed.has(endpoint))).toEqual([]);
    expect(asked['portals/self/urls']).toBe(1);
    expect(asked['features:service']).toBe(hosted);
    expect(asked['features:layers']).toBe(hosted);
    expect(asked['community/groups/<id>/users']).toBe(orgGroups.length);
    // One item search page (the demo org is small) plus one content page per group.
    expect(asked.search).toBe(Math.ceil(orgItems().length / 100) + orgGroups.length);
    // The identity's own profile changes every run (signing in sets its lastLogin), so its folders are read too.
    expect(asked['content/users'] ?? 0).toBe(orgUsers.filter((u) => rotationSlot(u.username) === turn || u.username === emu.admin.username).length);
    expect(third.counts.carriedOver).toBe(orgItems().length);
    expect(fourth.counts.carriedOver).toBe(orgItems().length);
    // Unchanged lists deduplicate; what remains is the little that really differs (e.g. a user's last sign-in).
    expect(fourth.newBytes).toBeLessThan(1024);
    const store = await openStore(identity.fileLocation);
    const result = await check(store, { readData: true });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.snapshots.total).toBe(4);
    expect((await store.readSnapshot(third.snapshotId)).tags).toBeUndefined();
  }, 60_000);

  it('catches sharing and folder changes on an otherwise unchanged rerun, without per-item requests', async () => {
    const plain = orgItems().filter((i) => !i.json.typeKeywords.includes('Hosted Service'));
    const orgGroups = [...emu.context.state.groups.values()].filter((g) => g.orgId === emu.orgId);
    // Shared with one more group (the access level stays), unshared from its group, and made public.
    const sharedMore = plain.find((i) => i.json.access === 'org' && orgGroups.some((g) => !i.groups.has(g.id)))!;
    const moreGroup = orgGroups.find((g) => !sharedMore.groups.has(g.id))!;
    const unshared = plain.find((i) => i !== sharedMore && i.groups.size > 0)!;
    const lessGroup = [...unshared.groups][0]!;
    const madePublic = plain.find((i) => i !== sharedMore && i !== unshared && i.json.access === 'org')!;
    await adminCall(emu, `content/items/${sharedMore.json.id}/share`, { groups: moreGroup.id });
    await adminCall(emu, `content/items/${unshared.json.id}/unshare`, { groups: lessGroup });
    await adminCall(emu, `content/items/${madePublic.json.id}/share`, { everyone: true, org: true });
    // Another user's item moved into a folder they just created (as the emulator's createFolder and move do): this
    // changes neither the item's `modified` nor the user's profile, only where the item is.
    // (An owner whose folders are not due by rotation in this run, the fifth: the move alone must bring them.)
    const moved = plain.find((i) => i.json.owner !== emu.admin.username && rotationSlot(i.json.owner) !== 4 % FOLDER_ROTATION && ![sharedMore, unshared, madePublic].includes(i))!;
    const created = { folder: emu.context.state.addFolder({ id: emu.context.state.newId(), title: 'Moved here', username: moved.json.owner, created: Date.now() }) };
    moved.json.ownerFolder = created.folder.id;
    const modified = new Map(plain.map((i) => [i.json.id, i.json.modified]));

    const { result, byEndpoint: asked } = await requestsDuring(emu, () => runBackup({ identity, session: sessionFor(emu, { retry: QUICK_RETRY }), name: 'Sharing changed' }));
    expect(plain.every((i) => i.json.modified === modified.get(i.json.id))).toBe(true);
    expect(result.counts.carriedOver).toBe(orgItems().length);
    expect(asked['content/items/groups']).toBeUndefined();
    expect(asked['content/items']).toBeUndefined();

    const store = await openStore(identity.fileLocation);
    const manifest = await store.readSnapshot(result.snapshotId);
    const entries = await entriesOf(store, manifest);
    for (const record of [sharedMore, unshared, madePublic, moved]) {
      expect(entries.get(record.json.id)!.sharing, record.json.title).toEqual({ access: record.json.access, groups: [...record.groups].sort() });
    }
    expect(entries.get(sharedMore.json.id)!.sharing!.groups).toContain(moreGroup.id);
    expect(entries.get(unshared.json.id)!.sharing!.groups).not.toContain(lessGroup);
    expect(entries.get(madePublic.json.id)!.sharing!.access).toBe('public');
    expect(entries.get(moved.json.id)!.folderId).toBe(created.folder.id);
    const groups = new Map<string, { items?: string[] }>();
    for await (const group of store.readList(manifest, 'groups')) groups.set(group.id, group);
    expect(groups.get(moreGroup.id)!.items).toContain(sharedMore.json.id);
    expect(groups.get(lessGroup)!.items).not.toContain(unshared.json.id);
    let owner: { folders?: { id: string; title: string }[] } | undefined;
    for await (const user of store.readList(manifest, 'users')) if (user.username === moved.json.owner) owner = user;
    expect(owner!.folders).toContainEqual({ id: created.folder.id, title: 'Moved here' });
  }, 60_000);

  it('asks each item for its groups when the group lists are incomplete', async () => {
    // Without the identity's own groups (community/self) the items' groups are not known for sure.
    const chosen = orgItems().filter((i) => i.groups.size > 0).slice(0, 3);
    emu.faults.update({ errorRate: 1, errorStyle: 'http', pathFilter: ['/community/self'] });
    try {
      const { result, byEndpoint: asked } = await requestsDuring(emu, () => runBackup({ identity: { ...identity, fileLocation: `${folder.path}/fallback` }, session: sessionFor(emu, { retry: QUICK_RETRY }), itemIds: chosen.map((i) => i.json.id) }));
      expect(result.status).toBe('complete');
      expect(asked['content/items/groups']).toBe(chosen.length);
      const store = await openStore(`${folder.path}/fallback`);
      const entries = await entriesOf(store, await store.readSnapshot(result.snapshotId));
      for (const record of chosen) expect(entries.get(record.json.id)!.sharing).toEqual({ access: record.json.access, groups: [...record.groups].sort() });
    } finally {
      emu.faults.update({ errorRate: 0, pathFilter: [] });
    }
  }, 60_000);

  it('records failing and unreadable parts on the item, and the other items continue', async () => {
    const [broken, other] = orgItems().filter((i) => i.data?.kind === 'json' && !i.json.typeKeywords.includes('Hosted Service'));
    const withResource = orgItems().find((i) => i.resources.size > 0 && i !== broken && i !== other)!;
    emu.faults.update({ errorRate: 1, errorStyle: 'http', pathFilter: [`/content/items/${broken!.json.id}/data`] });
    const thumbnail = { name: withResource.json.thumbnail, blob: withResource.thumbnailBlob };
    try {
      // A thumbnail named by the item that the portal cannot serve: skipped with the reason, not silently missing.
      withResource.json.thumbnail = 'thumbnail/gone.png';
      withResource.thumbnailBlob = null;
      // Changed since the last snapshot, so they are read again rather than carried over.
      broken!.json.modified = Date.now();
      withResource.json.modified = Date.now();
      const result = await runBackup({ identity, session: sessionFor(emu, { retry: QUICK_RETRY }), itemIds: [broken!.json.id, other!.json.id, withResource.json.id, 'ffffffffffffffffffffffffffffffff'] });
      expect(result.status).toBe('partial');
      const byId = new Map(result.items.map((i) => [i.id, i]));
      expect(byId.get(broken!.json.id)).toMatchObject({ status: 'failed', problems: [{ part: 'data', status: 'failed' }] });
      expect(byId.get(other!.json.id)).toMatchObject({ status: 'ok' });
      expect(byId.get(withResource.json.id)).toMatchObject({ status: 'skipped', problems: [{ part: 'thumbnail', status: 'skipped' }] });
      expect(byId.get('ffffffffffffffffffffffffffffffff')).toMatchObject({ status: 'skipped', problems: [{ part: 'item', status: 'skipped' }] });
      expect(result.counts).toMatchObject({ ok: 1, skipped: 2, failed: 1 });
      const manifest = await (await openStore(identity.fileLocation)).readSnapshot(result.snapshotId);
      expect(manifest.counts.items).toEqual({ ok: 1, skipped: 2, failed: 1 });
      expect(manifest.tags).toEqual(['selection']);
    } finally {
      emu.faults.update({ errorRate: 0, pathFilter: [] });
      withResource.json.thumbnail = thumbnail.name;
      withResource.thumbnailBlob = thumbnail.blob;
    }
    // After a run over a selection, a full run still carries over what the older full snapshot holds.
    const full = await runBackup({ identity, session: sessionFor(emu, { retry: QUICK_RETRY }) });
    expect(full.status).toBe('complete');
    expect(full.items.filter((i) => !i.carriedOver).map((i) => i.id).sort()).toEqual([broken!.json.id, withResource.json.id].sort());
  }, 60_000);

  it('refuses a store of another organization and resumes an interrupted run without downloading again', async () => {
    await expect(runBackup({ identity: { ...identity, orgId: 'anotherOrg123' }, session: sessionFor(emu, { retry: QUICK_RETRY }) })).rejects.toMatchObject({ code: 'wrong_org' });

    const fresh = { ...identity, fileLocation: `${folder.path}/resume` };
    const controller = new AbortController();
    let done = 0;
    await expect(
      runBackup({
        identity: fresh,
        session: sessionFor(emu, { retry: QUICK_RETRY }),
        concurrency: 2,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'items' && p.itemsDone > 0) done = p.itemsDone;
          if (p.itemsDone >= 10) controller.abort(new Error('stop'));
        }
      })
    ).rejects.toThrow();
    expect(done).toBeGreaterThanOrEqual(10);
    const store = await openStore(fresh.fileLocation);
    expect((await store.listSnapshots()).snapshots).toEqual([]);

    const resumed = await runBackup({ identity: fresh, session: sessionFor(emu, { retry: QUICK_RETRY }) });
    expect(resumed.resumed).toBe(true);
    expect(resumed.items.filter((i) => i.resumed).length).toBeGreaterThanOrEqual(8);
    expect(resumed.status).toBe('complete');
    expect(resumed.counts.ok).toBe(orgItems().length);
    expect((await check(store, { readData: true })).ok).toBe(true);
    expect((await store.listSnapshots()).snapshots.map((s) => s.id)).toEqual([resumed.snapshotId]);
  }, 60_000);
});
