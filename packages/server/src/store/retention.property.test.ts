// Property: whatever snapshots exist and whatever forget removes, prune afterwards deletes no blob a remaining snapshot
// needs (check with read-data stays clean) and leaves no blob that none needs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, summarizeCheck } from './check.js';
import { forget } from './forget.js';
import { prune } from './prune.js';
import { buildSnapshot, tempStore } from './testing/fixtures.js';

describe('forget then prune (property)', () => {
  it('keeps every blob the remaining snapshots reference and nothing else', async () => {
    const snapshotArb = fc.record({
      day: fc.integer({ min: 0, max: 40 }),
      items: fc.array(fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), version: fc.integer({ min: 0, max: 3 }), features: fc.integer({ min: 0, max: 250 }) }), { maxLength: 4 })
    });
    await fc.assert(
      fc.asyncProperty(fc.array(snapshotArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }), async (snapshots, keepDaily, keepLast) => {
        const { store, cleanup } = await tempStore();
        try {
          for (const [i, s] of snapshots.entries()) {
            const items = [...new Map(s.items.map((it) => [it.id, it])).values()].map((it) => ({
              id: it.id,
              title: it.id.toUpperCase(),
              data: `data ${it.id} v${it.version}`,
              resources: { [`r/${it.version}.txt`]: `resource ${it.version}` },
              ...(it.features > 0 ? { features: it.features, attachments: [{ objectId: 1, name: 'p.jpg', content: `photo ${it.version}` }] } : {})
            }));
            await store.writeSnapshot(await buildSnapshot(store, items, { at: new Date(Date.UTC(2026, 0, 1 + s.day, i)) }));
          }
          const forgotten = await forget(store, { keepDaily, keepLast }, { timeZone: 'UTC' });
          expect(forgotten.errors).toEqual([]);
          await prune(store);
          const result = await check(store, { readData: true });
          expect(result.ok, summarizeCheck(result)).toBe(true);
          expect(result.blobs.unreferenced).toBe(0);
          expect(result.snapshots.total).toBe(forgotten.keep.length);
        } finally {
          await cleanup();
        }
      }),
      { numRuns: 25 }
    );
  }, 120_000);
});
