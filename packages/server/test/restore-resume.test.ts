/**
 * Failures in the middle of a restore, injected by the emulator: a step that fails does not stop unrelated steps, its
 * dependents are skipped with the reason, and running the same restore again finishes it without duplicates. A lost
 * addItem answer (the item was created, the connection dropped) is found again by its marker, not added twice.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { markerFor } from '../src/restore/steps/item-create.step.js';
import type { RestoreRepository } from '../src/restore/restore.repository.js';
import type { ItemEntry } from '../src/store/index.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { backUp, expectItemMatches, idMapOf, orgItems, planAndRun, restoreDb, RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';

describe('restore after injected failures', () => {
  let emu: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  let db: Db;
  let repository: RestoreRepository;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    folder = await tempFolder('orgkeeper-restore-resume-');
    ({ db, repository } = await restoreDb(folder.path));
  }, 60_000);
  afterEach(() => {
    emu.faults.update({ errorRate: 0, resetRate: 0, pathFilter: [] });
  });
  afterAll(async () => {
    await db?.destroy();
    await emu?.close();
    await folder?.remove();
  });

  const deleteItems = async (entries: ItemEntry[]) => {
    const s = sessionFor(emu, { retry: RESTORE_RETRY });
    // For good: a resumed recreate is what is tested (recycle-bin-restore.test.ts restores from the bin).
    for (const e of entries) await s.request(`${emu.restUrl}/content/users/${e.owner}/items/${e.id}/delete`, { permanentDelete: true }, { httpMethod: 'POST' });
  };
  const countByTitle = (title: string) => orgItems(emu).filter((i) => i.json.title === title).length;

  it('finishes a restore that failed half way, without duplicates', async () => {
    const { store, snapshotId, content } = await backUp(emu, folder.path, 'resume');
    const titles = ['Parks and Trails', 'Parks Finder', 'Parks Operations Dashboard', 'Water Network Map', 'Street Trees Inventory'];
    const entries = titles.map((t) => [...content.items.values()].find((e) => e.title === t)!);
    await deleteItems(entries);
    const before = orgItems(emu).length;

    // Every share fails: the items are created, then their steps fail at sharing; the app and dashboard, which use the
    // map, are skipped; the unrelated items still go as far as they can.
    emu.faults.update({ errorRate: 1, errorStyle: 'body', pathFilter: ['/share'] });
    const params = { snapshotId, mode: 'recreate' as const, items: entries.map((e) => e.id) };
    const first = await planAndRun({ store, content, target: emu, repository, params, operationId: 'resume-1' });
    const status = (title: string) => first.result.steps.find((s) => s.title === title)!;
    expect(status('Parks and Trails')).toMatchObject({ status: 'failed' });
    expect(status('Parks and Trails').error).toMatch(/Unable to complete operation/);
    expect(status('Parks Finder')).toMatchObject({ status: 'skipped' });
    expect(status('Parks Finder').error).toMatch(/^depends on item:.*, which failed$/);
    expect(status('Street Trees Inventory')).toMatchObject({ status: 'failed' });
    emu.faults.update({ errorRate: 0, pathFilter: [] });

    // The same restore again (same operation, stored plan): finishes, and every title exists exactly once.
    const second = await planAndRun({ store, content, target: emu, repository, params, plan: first.plan, operationId: 'resume-1' });
    expect(second.result.steps.filter((s) => s.status !== 'ok' && s.kind === 'item')).toEqual([]);
    for (const title of titles) expect(countByTitle(title), title).toBe(1);
    expect(orgItems(emu).length).toBe(before + titles.length);
    // The ids created by the first run were kept (checkpointed), and no marker is left behind.
    const ids = idMapOf(second.result);
    for (const s of first.result.steps) if (s.newId && s.kind === 'item') expect(ids.get(s.oldId)).toBe(s.newId);
    expect(orgItems(emu).filter((i) => i.json.typeKeywords.some((k) => k.startsWith('orgkeeper-restore:')))).toEqual([]);
    for (const e of entries) await expectItemMatches(emu, store, content, e, ids.get(e.id) ?? e.id, { ids, urls: new Map() });
  }, 120_000);

  it('does not add an item twice when the addItem answer is lost', async () => {
    const { store, snapshotId, content } = await backUp(emu, folder.path, 'lost-answer');
    const entry = [...content.items.values()].find((e) => e.type === 'CSV' && e.data?.kind === 'file')!;
    await deleteItems([entry]);
    const before = orgItems(emu).length;
    // The emulator creates the item and then drops the connection half way through its answer.
    emu.faults.update({ resetRate: 1, pathFilter: ['/addItem'] });
    const run = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'recreate', items: [entry.id] }, operationId: 'lost-1' });
    emu.faults.update({ resetRate: 0, pathFilter: [] });
    expect(emu.faults.injected.reset).toBeGreaterThan(0);
    expect(run.result.steps.filter((s) => s.kind === 'item')).toMatchObject([{ status: 'ok' }]);
    expect(orgItems(emu).length).toBe(before + 1);
    expect(countByTitle(entry.title)).toBe(1);
    const ids = idMapOf(run.result);
    await expectItemMatches(emu, store, content, entry, ids.get(entry.id)!, { ids, urls: new Map() });
    expect(emu.context.state.items.get(ids.get(entry.id)!)!.json.typeKeywords).not.toContain(markerFor('lost-1', entry.id));
  }, 60_000);
});
