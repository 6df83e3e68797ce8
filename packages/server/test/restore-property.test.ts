/**
 * Property: whatever sequence of changes people make to items (edit properties and data, delete items, add and remove
 * resources, change sharing), an in-place restore brings every item back to the snapshot. Run on an ArcGIS Enterprise
 * organization, where deleted items come back under their own ids, so one snapshot serves every run. Kept fast: a few
 * runs over a handful of items.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import type { RestoreRepository } from '../src/restore/restore.repository.js';
import type { SnapshotContent } from '../src/restore/restore.plan.js';
import type { ItemEntry, Store } from '../src/store/index.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { backUp, expectItemMatches, orgItems, planAndRun, restoreDb, RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';

const TITLES = ['Parks and Trails', 'Parks Finder', 'Water Network Map', 'Street Trees Inventory', "Discover Demoville's Parks"];

type Change =
  | { kind: 'delete'; item: number }
  | { kind: 'retitle'; item: number; title: string }
  | { kind: 'data'; item: number }
  | { kind: 'removeResources'; item: number }
  | { kind: 'addResource'; item: number; name: string }
  | { kind: 'share'; item: number; access: 'private' | 'org' | 'public' }
  | { kind: 'unshareGroups'; item: number };

const item = fc.nat({ max: TITLES.length - 1 });
const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), item }),
  fc.record({ kind: fc.constant('retitle' as const), item, title: fc.string({ minLength: 1, maxLength: 20 }).filter((t) => t.trim() !== '') }),
  fc.record({ kind: fc.constant('data' as const), item }),
  fc.record({ kind: fc.constant('removeResources' as const), item }),
  fc.record({ kind: fc.constant('addResource' as const), item, name: fc.stringMatching(/^[a-z]{1,8}\.txt$/) }),
  fc.record({ kind: fc.constant('share' as const), item, access: fc.constantFrom('private' as const, 'org' as const, 'public' as const) }),
  fc.record({ kind: fc.constant('unshareGroups' as const), item })
);

describe('restore round trip after random changes (property)', () => {
  let emu: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  let db: Db;
  let repository: RestoreRepository;
  let store: Store;
  let snapshotId: string;
  let content: SnapshotContent;
  let entries: ItemEntry[];

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'enterprise' });
    folder = await tempFolder('orgkeeper-restore-prop-');
    ({ db, repository } = await restoreDb(folder.path));
    ({ store, snapshotId, content } = await backUp(emu, folder.path));
    entries = TITLES.map((t) => [...content.items.values()].find((e) => e.title === t)!);
  }, 60_000);
  afterAll(async () => {
    await db?.destroy();
    await emu?.close();
    await folder?.remove();
  });

  async function apply(c: Change): Promise<void> {
    const e = entries[c.item]!;
    const live = emu.context.state.items.get(e.id);
    if (!live) return; // already deleted in this sequence
    const s = sessionFor(emu, { retry: RESTORE_RETRY });
    const at = `${emu.restUrl}/content/users/${live.json.owner}/items/${e.id}`;
    const post = (op: string, params: Record<string, unknown>) => s.request(`${at}/${op}`, params, { httpMethod: 'POST' });
    switch (c.kind) {
      case 'delete':
        await post('delete', {});
        break;
      case 'retitle':
        await post('update', { title: c.title, snippet: 'changed' });
        break;
      case 'data':
        if (e.data?.kind === 'file') await post('update', { file: new File([new Uint8Array(Buffer.from('X,Y\r\n'))], 'other.csv', { type: 'text/csv' }) });
        else await post('update', { text: JSON.stringify({ changed: true }) });
        break;
      case 'removeResources':
        if (live.resources.size > 0) await post('removeResources', { deleteAll: 'true' });
        break;
      case 'addResource':
        if (!live.resources.has(c.name)) await post('addResources', { fileName: c.name, text: 'extra' });
        break;
      case 'share':
        await post('share', { everyone: String(c.access === 'public'), org: String(c.access !== 'private') });
        break;
      case 'unshareGroups':
        if (live.groups.size > 0) await post('unshare', { groups: [...live.groups].join(',') });
        break;
    }
  }

  it('in-place restore undoes any sequence of changes', async () => {
    const count = orgItems(emu).length;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 5 }), async (changes) => {
        for (const c of changes) await apply(c);
        const { result } = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'in-place', items: entries.map((e) => e.id) }, operationId: `prop-${run++}` });
        expect(result.steps.filter((s) => s.status === 'failed')).toEqual([]);
        expect(orgItems(emu).length).toBe(count);
        for (const e of entries) await expectItemMatches(emu, store, content, e, e.id, { ids: new Map(), urls: new Map() });
      }),
      { numRuns: 6 }
    );
  }, 180_000);
});
