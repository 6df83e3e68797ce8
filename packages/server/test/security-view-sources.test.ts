/**
 * A view's source URL comes from ArcGIS (`<view>/sources`) and sits in the snapshot: content is hostile, and a
 * snapshot can be altered. Restoring a view whose recorded source lies outside the organization must request nothing
 * there (not even without a token): an in-place restore refuses to read that source, a recreate only names a source
 * service inside the organization (addToDefinition goes to the organization's own view) and fails there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RecordingListener, startRecordingListener } from '../src/arcgis/testing/recording-listener.js';
import { loadHostedRestore } from '../src/restore/hosted-contract.js';
import type { SnapshotContent } from '../src/restore/restore.plan.js';
import type { RestoreRepository } from '../src/restore/restore.repository.js';
import type { ItemEntry, Store } from '../src/store/index.js';
import type { Db } from '../src/db/database.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { backUp, planAndRun, restoreDb, RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';

describe('a view whose recorded source lies outside the organization', () => {
  let emu: EmulatorHandle;
  let attacker: RecordingListener;
  let folder: { path: string; remove(): Promise<void> };
  let db: Db;
  let repository: RestoreRepository;
  let store: Store;
  let snapshotId: string;
  let content: SnapshotContent;
  let view: ItemEntry;

  /** The snapshot's content with the view's source moved to the attacker's host. */
  function tampered(): SnapshotContent {
    const evil = `${attacker.origin}/${emu.orgId}/arcgis/rest/services/Evil/FeatureServer`;
    const service = view.service!;
    const changed: ItemEntry = {
      ...view,
      service: { ...service, view: { sources: [{ url: evil }], layers: service.view!.layers.map((l) => ({ ...l, sourceUrl: evil })) } }
    };
    return { ...content, items: new Map([...content.items].map(([id, e]) => [id, id === view.id ? changed : e])) };
  }

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    attacker = await startRecordingListener(() => ({ currentVersion: 11.3, layers: [{ id: 0, name: 'Stolen', fields: [] }] }));
    folder = await tempFolder('orgkeeper-view-sources-');
    ({ db, repository } = await restoreDb(folder.path));
    ({ store, snapshotId, content } = await backUp(emu, folder.path));
    view = [...content.items.values()].find((e) => e.service?.view && e.title === 'Protected Bike Lanes')!;
  }, 60_000);
  afterAll(async () => {
    await db?.destroy();
    await emu?.close();
    await attacker?.close();
    await folder?.remove();
  });

  it('in place: the step fails saying why, and the foreign host gets no request', async () => {
    const { result } = await planAndRun({ store, content: tampered(), target: emu, repository, params: { snapshotId, mode: 'in-place', items: [view.id] }, operationId: 'evil-in-place', hosted: await loadHostedRestore() });
    const step = result.steps.find((s) => s.oldId === view.id)!;
    expect(step.status).toBe('failed');
    expect(step.error).toMatch(/not a hosted feature layer of the organization, so it was not requested/);
    expect(attacker.requests).toEqual([]);
  });

  it('recreate: the view is defined on a source named inside the organization only, and the foreign host gets no request', async () => {
    const item = emu.context.state.items.get(view.id)!;
    await sessionFor(emu, { retry: RESTORE_RETRY }).request(`${emu.restUrl}/content/users/${item.json.owner}/items/${view.id}/delete`, { permanentDelete: true }, { httpMethod: 'POST' });
    const { result } = await planAndRun({ store, content: tampered(), target: emu, repository, params: { snapshotId, mode: 'recreate', items: [view.id] }, operationId: 'evil-recreate', hosted: await loadHostedRestore() });
    // The source the plan cannot find live is missing: the view is skipped with that reason.
    const step = result.steps.find((s) => s.oldId === view.id)!;
    expect(step.status).toBe('skipped');
    expect(step.error).toMatch(/cannot be restored without its source/);
    expect(attacker.requests).toEqual([]);
  });
});
