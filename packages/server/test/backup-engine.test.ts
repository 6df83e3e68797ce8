import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArcGISSession } from '../src/arcgis/arcgis-session.js';
import { OAuthTokenSource } from '../src/arcgis/token-source.js';
import { runBackup } from '../src/backup/backup.engine.js';
import type { BackupIdentity, BackupResult } from '../src/backup/backup.types.js';
import { type ItemEntry, type SnapshotManifest, type Store, check, openStore } from '../src/store/index.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './identities/support.js';

function sessionFor(emu: EmulatorHandle): ArcGISSession {
  const auth = new OAuthTokenSource({ restUrl: emu.restUrl, credentials: { username: emu.admin.username, password: emu.admin.password } });
  // Short retries: a test that injects server errors must not wait for production backoff.
  return new ArcGISSession({ portalUrl: emu.portalUrl, restUrl: emu.restUrl, auth, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20, maxThrottleAttempts: 3 } });
}

async function entriesOf(store: Store, manifest: SnapshotManifest): Promise<Map<string, ItemEntry>> {
  const map = new Map<string, ItemEntry>();
  for await (const entry of store.readList(manifest, 'items')) map.set(entry.id, entry);
  return map;
}

const endpointCount = (emu: EmulatorHandle, endpoint: string) => emu.requestLog.snapshot(0).byEndpoint[endpoint] ?? 0;

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
    const map = items.find((i) => i.json.type === 'Web Map')!;
    const service = items.find((i) => i.json.type === 'Feature Service')!;
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
    first = await runBackup({ identity, session: sessionFor(emu), name: 'First', onProgress: (p) => progress.push(p.phase) });
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
    expect(entries.get(related.map)!.related).toEqual([{ relationshipType: 'Map2Service', direction: 'forward', itemId: related.service }]);
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
    reshared.groups.add(group.id);

    const dataBefore = endpointCount(emu, 'content/items/data');
    const itemBefore = endpointCount(emu, 'content/items');
    const second = await runBackup({ identity, session: sessionFor(emu), name: 'Second' });
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
    const third = await runBackup({ identity, session: sessionFor(emu), name: 'Third' });
    const before = emu.requestLog.snapshot(0).byEndpoint;
    const fourth = await runBackup({ identity, session: sessionFor(emu), name: 'Fourth' });
    const after = emu.requestLog.snapshot(0).byEndpoint;
    const asked = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
    // Nothing downloaded again: no item JSON, data, resources, thumbnails, metadata or feature queries; only
    // sharing (one request per item), the services' own JSON, the search pages, groups and users.
    for (const endpoint of Object.keys(asked)) {
      expect(endpoint).not.toMatch(/^content\/items(\/(data|resources|resources\/file|info|relatedItems))?$|^features:(query|queryAttachments|attachment)$/);
    }
    expect(asked['content/items/groups']).toBe(orgItems().length);
    expect(asked['features:service']).toBeGreaterThan(0);
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
      const result = await runBackup({ identity, session: sessionFor(emu), itemIds: [broken!.json.id, other!.json.id, withResource.json.id, 'ffffffffffffffffffffffffffffffff'] });
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
    const full = await runBackup({ identity, session: sessionFor(emu) });
    expect(full.status).toBe('complete');
    expect(full.items.filter((i) => !i.carriedOver).map((i) => i.id).sort()).toEqual([broken!.json.id, withResource.json.id].sort());
  }, 60_000);

  it('refuses a store of another organization and resumes an interrupted run without downloading again', async () => {
    await expect(runBackup({ identity: { ...identity, orgId: 'anotherOrg123' }, session: sessionFor(emu) })).rejects.toMatchObject({ code: 'wrong_org' });

    const fresh = { ...identity, fileLocation: `${folder.path}/resume` };
    const controller = new AbortController();
    let done = 0;
    await expect(
      runBackup({
        identity: fresh,
        session: sessionFor(emu),
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

    const resumed = await runBackup({ identity: fresh, session: sessionFor(emu) });
    expect(resumed.resumed).toBe(true);
    expect(resumed.items.filter((i) => i.resumed).length).toBeGreaterThanOrEqual(8);
    expect(resumed.status).toBe('complete');
    expect(resumed.counts.ok).toBe(orgItems().length);
    expect((await check(store, { readData: true })).ok).toBe(true);
    expect((await store.listSnapshots()).snapshots.map((s) => s.id)).toEqual([resumed.snapshotId]);
  }, 60_000);
});
