import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FeatureStore, LazyFeatureStore, MemoryFeatureStore, type StoredFeature } from './feature-store.js';
import { numberedGuid, numberedGuidOid } from './layer-builder.js';

const BASE = 50;
const PREFIX = 'test:0:feature';

function feature(oid: number, value: string, gen = 0): StoredFeature {
  return { oid, attributes: { OBJECTID: oid, GlobalID: numberedGuid(PREFIX, oid), v: value }, geometry: { x: oid, y: oid }, createdGen: gen, gen };
}

const lazyStore = () =>
  new LazyFeatureStore(BASE, (oid) => feature(oid, `base${oid}`), { of: (oid) => numberedGuid(PREFIX, oid), oidOf: (g) => numberedGuidOid(PREFIX, g) }, 'GlobalID');

/**
 * Both implementations start with features 1..BASE whose value is `base<oid>`. The third element builds the store a
 * snapshot is restored into, as persistence does: an empty memory store, a freshly generated lazy one.
 */
const implementations: [string, () => FeatureStore, () => FeatureStore][] = [
  [
    'MemoryFeatureStore',
    () => {
      const s = new MemoryFeatureStore('GlobalID');
      for (let oid = 1; oid <= BASE; oid++) s.put(feature(oid, `base${oid}`));
      return s;
    },
    () => new MemoryFeatureStore('GlobalID')
  ],
  ['LazyFeatureStore', lazyStore, lazyStore]
];

type Op = { kind: 'add'; value: string } | { kind: 'update'; oid: number; value: string } | { kind: 'delete'; oid: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), value: fc.string({ maxLength: 4 }) }),
  fc.record({ kind: fc.constant('update' as const), oid: fc.integer({ min: 1, max: BASE + 20 }), value: fc.string({ maxLength: 4 }) }),
  fc.record({ kind: fc.constant('delete' as const), oid: fc.integer({ min: 1, max: BASE + 20 }) })
);

describe.each(implementations)('%s', (_name, make, blank) => {
  it('reads, scans in objectId order, skips and finds by globalId', () => {
    const s = make();
    expect(s.count()).toBe(BASE);
    expect(s.get(7)!.attributes.v).toBe('base7');
    expect(s.get(0)).toBeUndefined();
    expect(s.get(BASE + 1)).toBeUndefined();
    expect([...s.scan(45)].map((f) => f.oid)).toEqual([46, 47, 48, 49, 50]);
    expect(s.skipAfter(10, 5)).toBe(15);
    expect(s.findByGlobalId(numberedGuid(PREFIX, 9).toLowerCase())!.oid).toBe(9);
    expect(s.findByGlobalId('{00000000-0000-0000-0000-000000000000}')).toBeUndefined();
  });

  it('never reuses objectIds and keeps tombstones and generations for change tracking', () => {
    const s = make();
    const a = s.allocateOid();
    expect(a).toBe(BASE + 1);
    s.put(feature(a, 'new', 5));
    s.put({ ...feature(3, 'changed', 0), gen: 5 });
    expect(s.delete(4, 6)!.oid).toBe(4);
    expect(s.delete(4, 7)).toBeUndefined();
    expect(s.delete(a, 7)!.oid).toBe(a);
    expect(s.allocateOid()).toBe(BASE + 2);
    expect([...s.changedSince(4)].map((f) => f.oid)).toEqual([3]);
    expect(s.tombstonesSince(5).map((t) => [t.oid, t.gen, t.createdGen])).toEqual([
      [4, 6, 0],
      [a, 7, 5]
    ]);
    expect(s.tombstonesSince(6).map((t) => t.oid)).toEqual([a]);
    expect(s.count()).toBe(BASE - 1);
    expect(s.findByGlobalId(numberedGuid(PREFIX, 4))).toBeUndefined();
    // skipping must still land right (by scanning, if it cannot jump)
    const jump = s.skipAfter(0, 4);
    const scanned = [...s.scan(0)][3]!.oid;
    if (jump !== undefined) expect(jump).toBe(scanned);
  });

  it('behaves like a simple model under random edits (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const s = make();
        const model = new Map<number, string>();
        for (let oid = 1; oid <= BASE; oid++) model.set(oid, `base${oid}`);
        let gen = 1;
        for (const o of ops) {
          gen++;
          if (o.kind === 'add') {
            const oid = s.allocateOid();
            s.put(feature(oid, o.value, gen));
            model.set(oid, o.value);
          } else if (o.kind === 'update') {
            const current = s.get(o.oid);
            expect(!!current).toBe(model.has(o.oid));
            if (current) {
              s.put({ ...current, attributes: { ...current.attributes, v: o.value }, gen });
              model.set(o.oid, o.value);
            }
          } else {
            const removed = s.delete(o.oid, gen);
            expect(!!removed).toBe(model.has(o.oid));
            model.delete(o.oid);
          }
        }
        const scanned = [...s.scan(0)].map((f) => [f.oid, f.attributes.v]);
        expect(scanned).toEqual([...model.entries()].sort((a, b) => a[0] - b[0]));
        expect(s.count()).toBe(model.size);
        const after = Math.floor(BASE / 2);
        expect([...s.scan(after)].map((f) => f.oid)).toEqual([...model.keys()].filter((k) => k > after).sort((a, b) => a - b));
        for (const skip of [0, 1, 10]) {
          const jump = s.skipAfter(0, skip);
          if (jump !== undefined) expect([...s.scan(jump)][0]?.oid).toBe([...s.scan(0)][skip]?.oid);
        }
      }),
      { numRuns: 200 }
    );
  });

  it('restores a snapshot with the same features, tombstones, generations and next objectId (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const s = make();
        let gen = 1;
        for (const o of ops) {
          gen++;
          if (o.kind === 'add') s.put(feature(s.allocateOid(), o.value, gen));
          else if (o.kind === 'update') {
            const current = s.get(o.oid);
            if (current) s.put({ ...current, attributes: { ...current.attributes, v: o.value }, gen });
          } else s.delete(o.oid, gen);
        }
        const restored = blank();
        restored.restore(structuredClone(s.snapshot()));
        expect([...restored.scan(0)]).toEqual([...s.scan(0)]);
        expect(restored.count()).toBe(s.count());
        expect([...restored.changedSince(0)]).toEqual([...s.changedSince(0)]);
        expect(restored.tombstonesSince(-1)).toEqual(s.tombstonesSince(-1));
        for (const oid of [1, BASE, BASE + 1]) expect(restored.findByGlobalId(numberedGuid(PREFIX, oid))?.oid).toBe(s.findByGlobalId(numberedGuid(PREFIX, oid))?.oid);
        expect(restored.allocateOid()).toBe(s.allocateOid());
      }),
      { numRuns: 200 }
    );
  });
});
