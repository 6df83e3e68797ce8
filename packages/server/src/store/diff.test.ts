import { afterEach, describe, expect, it } from 'vitest';
import { diffSnapshots } from './diff.js';
import { buildSnapshot, tempStore } from './testing/fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('diffSnapshots', () => {
  it('lists items added, removed and changed, with the parts that changed', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const before = await buildSnapshot(t.store, [
      { id: 'map', title: 'Map', data: 'v1', resources: { 'a.png': 'a' } },
      { id: 'layer', title: 'Hydrants', features: 250, attachments: [{ objectId: 1, name: 'x.jpg', content: 'x' }] },
      { id: 'gone', title: 'Old app', data: 'old' },
      { id: 'same', title: 'Same', data: 'same' }
    ], { at: new Date('2026-03-01T00:00:00Z') });
    const after = await buildSnapshot(t.store, [
      { id: 'map', title: 'Map', data: 'v2', resources: { 'a.png': 'a' } },
      { id: 'layer', title: 'Hydrants', features: 260, attachments: [{ objectId: 1, name: 'x.jpg', content: 'x2' }] },
      { id: 'new', title: 'New dashboard', data: 'new' },
      { id: 'same', title: 'Same', data: 'same' }
    ], { at: new Date('2026-03-02T00:00:00Z') });
    await t.store.writeSnapshot(before);
    await t.store.writeSnapshot(after);
    const diff = await diffSnapshots(t.store, before.id, after.id);
    expect(diff.items.added.map((i) => i.id)).toEqual(['new']);
    expect(diff.items.removed.map((i) => i.id)).toEqual(['gone']);
    expect(diff.items.unchanged).toBe(1);
    expect(diff.items.changed).toEqual([
      expect.objectContaining({ id: 'layer', parts: ['layer 0 features', 'layer 0 attachments'] }),
      expect.objectContaining({ id: 'map', parts: ['data'] })
    ]);
    expect(diff.groups.changed).toEqual([{ id: 'g1', title: 'Editors', parts: ['items'] }]);
    expect(diff.users).toEqual({ added: [], removed: [], changed: [], unchanged: 1 });
  });
});
