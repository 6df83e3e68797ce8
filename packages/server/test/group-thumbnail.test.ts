/**
 * Group thumbnails end to end against the emulator over real HTTP: backed up as a blob of the group (a thumbnail that
 * cannot be read is a reported problem of the group), walked by check and kept by prune, compared by diff, and sent
 * back when a deleted group is recreated, when an existing group's thumbnail differs (a rerun changes nothing), and
 * when the group is cloned into another organization.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../src/backup/backup.engine.js';
import type { BackupResult } from '../src/backup/backup.types.js';
import type { Db } from '../src/db/database.js';
import { buildPlan, readSnapshotContent, type SnapshotContent } from '../src/restore/restore.plan.js';
import type { RestoreRepository } from '../src/restore/restore.repository.js';
import { check, diffSnapshots, openStore, prune, type GroupEntry, type Store } from '../src/store/index.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { planAndRun, restoreDb, RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('field crews badge')]);
const OTHER_PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('someone changed it')]);

describe('group thumbnails: backup, check, prune, diff and restore', () => {
  let source: EmulatorHandle;
  let target: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  let db: Db;
  let repository: RestoreRepository;
  let store: Store;
  let first: BackupResult;
  let content: SnapshotContent;
  let crewsId: string;
  let ghostId: string;

  const backUp = (name: string) =>
    runBackup({
      identity: { id: 'source', name: 'Source', fileLocation: join(folder.path, 'store'), orgId: source.orgId, portalUrl: source.portalUrl, portalName: 'Source' },
      session: sessionFor(source, { retry: RESTORE_RETRY }),
      name
    });
  const liveThumbnail = (emu: EmulatorHandle, id: string) => {
    const group = emu.context.state.groups.get(id);
    return group?.thumbnailBlob ? { name: group.thumbnail, bytes: group.thumbnailBlob.read() } : undefined;
  };
  const crewsEntry = () => content.groups.get(crewsId)!;

  beforeAll(async () => {
    source = await startTestEmulator({ kind: 'online', seed: 'empty' });
    target = await startTestEmulator({ kind: 'online', seed: 'empty', randomSeed: 'another-org' });
    folder = await tempFolder('orgkeeper-group-thumb-');
    ({ db, repository } = await restoreDb(folder.path));
    const session = sessionFor(source, { retry: RESTORE_RETRY });
    // Created through the portal like a GIS administrator would, thumbnail uploaded as a multipart file part.
    const crews = await session.request<{ group: { id: string } }>(
      `${source.restUrl}/community/createGroup`,
      { title: 'Field crews', access: 'org', tags: 'ops', thumbnail: new File([PNG], 'crews.png', { type: 'image/png' }) },
      { httpMethod: 'POST' }
    );
    crewsId = crews.group.id;
    const ghost = await session.request<{ group: { id: string } }>(`${source.restUrl}/community/createGroup`, { title: 'Ghost', access: 'org', tags: 'x' }, { httpMethod: 'POST' });
    ghostId = ghost.group.id;
    // A thumbnail the group JSON names but the portal cannot serve (damaged on the portal's side).
    source.context.state.groups.get(ghostId)!.thumbnail = 'gone.png';

    first = await backUp('With thumbnails');
    store = await openStore(join(folder.path, 'store'), { expectOrgId: source.orgId });
    content = await readSnapshotContent(store, first.snapshotId);
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await source?.close();
    await target?.close();
    await folder?.remove();
  });

  it("stores the group's thumbnail bytes under its file name; an unreadable one is a reported problem of the group", async () => {
    const entry: GroupEntry = crewsEntry();
    expect(entry.thumbnail).toMatchObject({ filename: 'crews.png', size: PNG.length, contentType: 'image/png' });
    expect((await store.blobs.get(entry.thumbnail!.hash)).equals(liveThumbnail(source, crewsId)!.bytes)).toBe(true);
    expect(entry.problems).toBeUndefined();

    const ghost = content.groups.get(ghostId)!;
    expect(ghost.thumbnail).toBeUndefined();
    expect(ghost.problems).toEqual([expect.objectContaining({ part: 'thumbnail', status: 'skipped' })]);
    expect(first.problems).toContainEqual(expect.objectContaining({ kind: 'group', id: ghostId, reason: expect.stringMatching(/^thumbnail: /) }));
    // Fixed for the rest of the tests.
    source.context.state.groups.get(ghostId)!.thumbnail = null;
  });

  it('keeps an unchanged group\'s thumbnail from the previous snapshot without downloading it again', async () => {
    const downloads = () => source.requestLog.snapshot(0).byEndpoint['community/groups/<id>/info'] ?? 0;
    const before = downloads();
    const again = await backUp('Nothing changed');
    const groups = new Map<string, GroupEntry>();
    for await (const group of store.readList(await store.readSnapshot(again.snapshotId), 'groups')) groups.set(group.id, group);
    expect(groups.get(crewsId)!.thumbnail).toEqual(crewsEntry().thumbnail);
    expect(downloads() - before).toBe(0);
  });

  it('check walks the thumbnail blob and prune keeps it', async () => {
    const checked = await check(store, { readData: true });
    expect(checked.ok).toBe(true);
    expect(checked.problems).toEqual([]);
    const pruned = await prune(store);
    expect(pruned.errors).toEqual([]);
    expect(await store.blobs.has(crewsEntry().thumbnail!.hash)).toBe(true);
  });

  it('diff reports a changed thumbnail as a part of the group', async () => {
    await sessionFor(source, { retry: RESTORE_RETRY }).request(`${source.restUrl}/community/groups/${crewsId}/update`, { thumbnail: new File([OTHER_PNG], 'crews-new.png', { type: 'image/png' }) }, { httpMethod: 'POST' });
    const second = await backUp('Changed thumbnail');
    const diff = await diffSnapshots(store, first.snapshotId, second.snapshotId);
    const crews = diff.groups.changed.find((g) => g.id === crewsId);
    expect(crews?.parts).toContain('thumbnail');
  });

  it('in place, a group whose thumbnail differs gets the snapshot\'s back, and a rerun sends nothing', async () => {
    const params = { snapshotId: first.snapshotId, mode: 'in-place' as const, all: true };
    const plan = await buildPlan({ store, content, params, source: { identityId: 'source' }, target: { identityId: 'source', session: sessionFor(source, { retry: RESTORE_RETRY }) }, hostedAvailable: false, now: new Date() });
    // The live group has another thumbnail (crews-new.png): the plan puts the snapshot's back and keeps the rest.
    const step = plan.steps.find((s) => s.kind === 'group' && s.sourceId === crewsId)!;
    expect(step).toMatchObject({ action: 'overwrite', targetId: crewsId, reason: 'the group exists; its thumbnail is restored from the snapshot' });

    const updates = () => source.requestLog.snapshot(0).byEndpoint['community/groups/<id>/update'] ?? 0;
    const beforeFirst = updates();
    const { result } = await planAndRun({ store, content, target: source, repository, params, plan, operationId: 'thumb-in-place' });
    expect(result.steps.find((s) => s.oldId === crewsId)).toMatchObject({ status: 'ok' });
    expect(liveThumbnail(source, crewsId)).toEqual({ name: 'crews.png', bytes: PNG });
    expect(updates()).toBe(beforeFirst + 1);

    // Planned again, the group is as the snapshot has it: skipped, and nothing is sent.
    const again = await planAndRun({ store, content, target: source, repository, params, operationId: 'thumb-in-place-again' });
    expect(again.result.steps.find((s) => s.kind === 'group' && s.oldId === crewsId)).toMatchObject({ action: 'skip' });
    expect(again.result.counts.failed).toBe(0);
    expect(updates()).toBe(beforeFirst + 1);
  });

  it('a deleted group is recreated with its thumbnail', async () => {
    expect(await sessionFor(source, { retry: RESTORE_RETRY }).request(`${source.restUrl}/community/groups/${crewsId}/delete`, {}, { httpMethod: 'POST' })).toMatchObject({ success: true });
    const { result } = await planAndRun({ store, content, target: source, repository, params: { snapshotId: first.snapshotId, mode: 'in-place', all: true }, operationId: 'thumb-recreate' });
    const step = result.steps.find((s) => s.kind === 'group' && s.oldId === crewsId)!;
    expect(step).toMatchObject({ action: 'create', status: 'ok' });
    expect(liveThumbnail(source, step.newId!)).toEqual({ name: 'crews.png', bytes: PNG });
  });

  it('a clone into another organization carries the thumbnail', async () => {
    const { result } = await planAndRun({ store, content, target, repository, params: { snapshotId: first.snapshotId, mode: 'clone', all: true }, operationId: 'thumb-clone' });
    expect(result.counts.failed).toBe(0);
    const cloned = [...target.context.state.groups.values()].find((g) => g.title === 'Field crews' && g.orgId === target.orgId)!;
    expect(cloned).toBeDefined();
    expect(liveThumbnail(target, cloned.id)).toEqual({ name: 'crews.png', bytes: PNG });
  });

  it('check names the group and its thumbnail part when the blob is lost', async () => {
    const hash = crewsEntry().thumbnail!.hash;
    await store.blobs.delete(hash);
    const checked = await check(store);
    expect(checked.ok).toBe(false);
    const problem = checked.problems.find((p) => p.hash === hash)!;
    expect(problem.problem).toBe('missing');
    expect(problem.affects.find((a) => a.snapshotId === first.snapshotId)?.groups).toEqual([{ id: crewsId, title: 'Field crews', parts: ['thumbnail'] }]);
  });
});
