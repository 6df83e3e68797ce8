import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type ForgetPolicy, type SnapshotTime, applyPolicy, forget } from './forget.js';
import { isStoreError } from './store-error.js';
import { describeEachBackend, tempStoreOn } from './testing/backends.js';
import { buildSnapshot } from './testing/fixtures.js';
import { newSnapshotId } from './snapshot-id.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const snap = (iso: string): SnapshotTime => ({ id: newSnapshotId(new Date(iso)), time: new Date(iso) });
const ids = (list: { snapshot: SnapshotTime }[] | SnapshotTime[]) => list.map((x) => ('snapshot' in x ? x.snapshot.id : x.id));

/** An independent statement of each rule: the newest snapshot of each of the N most recent periods that have one. */
function expectedKeep(snapshots: SnapshotTime[], policy: ForgetPolicy): Set<string> {
  const newest = [...snapshots].sort((a, b) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : -1));
  const keep = new Set<string>(newest.slice(0, policy.keepLast ?? 0).map((s) => s.id));
  const periods: [number | undefined, (d: Date) => string][] = [
    [policy.keepDaily, (d) => d.toISOString().slice(0, 10)],
    [policy.keepWeekly, (d) => {
      // ISO week via the Thursday of the week
      const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      t.setUTCDate(t.getUTCDate() + 3 - ((t.getUTCDay() + 6) % 7));
      const jan4 = new Date(Date.UTC(t.getUTCFullYear(), 0, 4));
      return `${t.getUTCFullYear()}-${Math.round((t.getTime() - jan4.getTime()) / 604_800_000 + ((jan4.getUTCDay() + 6) % 7) / 7) + 1}`;
    }],
    [policy.keepMonthly, (d) => d.toISOString().slice(0, 7)],
    [policy.keepYearly, (d) => d.toISOString().slice(0, 4)]
  ];
  for (const [count, key] of periods) {
    if (!count) continue;
    const seen: string[] = [];
    for (const s of newest) {
      const k = key(s.time);
      if (seen.includes(k)) continue;
      if (seen.length >= count) break;
      seen.push(k);
      keep.add(s.id);
    }
  }
  return keep;
}

describe('forget policy', () => {
  it('keeps the newest snapshot per day, week and month (restic semantics)', () => {
    const list = [
      snap('2026-03-02T10:00:00Z'), // Monday, week 10
      snap('2026-03-02T22:00:00Z'),
      snap('2026-03-03T09:00:00Z'),
      snap('2026-03-08T12:00:00Z'), // Sunday, still week 10
      snap('2026-03-09T12:00:00Z'), // week 11
      snap('2026-02-27T12:00:00Z'), // February
      snap('2026-01-15T12:00:00Z')
    ];
    const { keep, remove } = applyPolicy(list, { keepDaily: 2 }, 'UTC');
    expect(ids(keep)).toEqual([list[4]!.id, list[3]!.id]);
    expect(keep[0]!.reasons).toEqual(['daily 2026-03-09']);
    expect(remove).toHaveLength(5);
    expect(ids(applyPolicy(list, { keepWeekly: 2 }, 'UTC').keep)).toEqual([list[4]!.id, list[3]!.id]);
    expect(ids(applyPolicy(list, { keepMonthly: 3 }, 'UTC').keep)).toEqual([list[4]!.id, list[5]!.id, list[6]!.id]);
    const combined = applyPolicy(list, { keepLast: 1, keepDaily: 3, keepMonthly: 2 }, 'UTC');
    expect(combined.keep[0]!.reasons).toEqual(['last 1', 'daily 2026-03-09', 'monthly 2026-03']);
    expect(ids(combined.keep)).toEqual([list[4]!.id, list[3]!.id, list[2]!.id, list[5]!.id]);
  });

  it('uses ISO weeks across a year boundary', () => {
    const list = [snap('2027-01-01T12:00:00Z'), snap('2026-12-28T12:00:00Z'), snap('2026-12-27T12:00:00Z')];
    // 2026-12-28 (Mon) and 2027-01-01 (Fri) are both in ISO week 2026-W53.
    const { keep } = applyPolicy(list, { keepWeekly: 5 }, 'UTC');
    expect(keep.map((k) => k.reasons[0])).toEqual(['weekly 2026-W53', 'weekly 2026-W52']);
  });

  it('refuses a policy that keeps nothing or has bad counts', () => {
    expect(() => applyPolicy([], {})).toThrow(/keeps nothing/);
    expect(() => applyPolicy([], { keepLast: 0 })).toThrow(expect.objectContaining({ code: 'invalid_policy' }));
    expect(() => applyPolicy([], { keepDaily: -1 })).toThrow(/whole number/);
    expect(() => applyPolicy([], { keepDaily: 1.5 })).toThrow(/whole number/);
  });

  it('keeps exactly what the policy says on random time series (property)', () => {
    const time = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) }).map((ms) => new Date(ms));
    const count = fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined });
    const policy = fc
      .record({ keepLast: count, keepDaily: count, keepWeekly: count, keepMonthly: count, keepYearly: count })
      .filter((p) => Object.values(p).some((v) => v));
    fc.assert(
      fc.property(fc.array(time, { maxLength: 60 }), policy, (times, p) => {
        const list = times.map((t) => ({ id: newSnapshotId(t), time: t }));
        const { keep, remove } = applyPolicy(list, p, 'UTC');
        expect(new Set(ids(keep))).toEqual(expectedKeep(list, p));
        expect(keep.length + remove.length).toBe(list.length);
        for (const k of keep) expect(k.reasons.length).toBeGreaterThan(0);
        if ((p.keepLast ?? 0) > 0 && list.length > 0) {
          // Among snapshots of the same millisecond the larger id counts as newer (as in applyPolicy and the oracle).
          const newest = [...list].sort((a, b) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : -1))[0]!;
          expect(ids(keep)).toContain(newest.id);
        }
      }),
      { numRuns: 500 }
    );
    // The case fast-check once found: two snapshots of the same millisecond (ids differ only in their random suffix).
    const tie = new Date('2026-12-31T23:59:59.968Z');
    const pair = [{ id: '20261231T235959968Z-0ca45f15', time: tie }, { id: '20261231T235959968Z-936bc3f5', time: tie }];
    expect(ids(applyPolicy(pair, { keepLast: 1 }, 'UTC').keep)).toEqual(['20261231T235959968Z-936bc3f5']);
  });
});

describeEachBackend('forget on a store', (kind, servers) => {
  it('removes the snapshots the policy drops (and only in a real run)', async () => {
    const t = await tempStoreOn(servers, kind);
    cleanups.push(t.cleanup);
    const days = ['2026-03-01', '2026-03-02', '2026-03-02', '2026-03-03'];
    const written = [];
    for (const [i, day] of days.entries()) {
      const m = await buildSnapshot(t.store, [{ id: 'i1', title: 'A', data: `v${i}` }], { at: new Date(`${day}T0${i}:00:00Z`) });
      await t.store.writeSnapshot(m);
      written.push(m.id);
    }
    const dry = await forget(t.store, { keepDaily: 2 }, { dryRun: true, timeZone: 'UTC' });
    expect(dry.keep.map((k) => k.id)).toEqual([written[3], written[2]]);
    expect(dry.remove.map((r) => r.id)).toEqual([written[1], written[0]]);
    expect(dry.removed).toEqual([]);
    expect((await t.store.listSnapshots()).snapshots).toHaveLength(4);
    const real = await forget(t.store, { keepDaily: 2 }, { timeZone: 'UTC' });
    expect(real.removed.sort()).toEqual([written[0], written[1]].sort());
    expect((await t.store.listSnapshots()).snapshots.map((s) => s.id)).toEqual([written[2], written[3]]);
    await expect(forget(t.store, {})).rejects.toSatisfy((e: unknown) => isStoreError(e, 'invalid_policy'));
  });
});
