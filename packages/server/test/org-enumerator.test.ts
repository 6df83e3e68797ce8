import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '@orgkeeper/arcgis-emulator';
import { enumerateOrgItems, SEARCH_PAGING_CAP } from '../src/arcgis/portal/index.js';
import { sessionFor } from './support/emulator-session.js';

function orgItemIds(emu: EmulatorHandle): Set<string> {
  const ids = new Set<string>();
  for (const item of emu.context.state.items.values()) if (item.json.orgId === emu.orgId) ids.add(item.json.id);
  return ids;
}

describe('enumerateOrgItems against the emulator', () => {
  let big: EmulatorHandle;
  let demo: EmulatorHandle;

  beforeAll(async () => {
    // --scale 25 holds more than 10,000 items: more than ArcGIS search can page through with one query.
    [big, demo] = await Promise.all([
      startEmulator({ host: '127.0.0.1', port: 0, quiet: true, scale: 25 }),
      startEmulator({ host: '127.0.0.1', port: 0, quiet: true })
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([big?.close(), demo?.close()]);
  });

  it('lists every item of a small org exactly once', async () => {
    const seen: string[] = [];
    const report = await enumerateOrgItems(sessionFor(demo, { concurrency: 8 }), { orgId: demo.orgId }, (items) => {
      seen.push(...items.map((i) => i.id));
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(orgItemIds(demo));
    expect(report.unreachableRanges).toEqual([]);
    expect(report.requests).toBe(Math.ceil(seen.length / 100));
  });

  it('works around the 10,000-result search cap by reading created-ordered chunks', async () => {
    const expected = orgItemIds(big);
    expect(expected.size).toBeGreaterThan(SEARCH_PAGING_CAP);
    const seen = new Set<string>();
    let duplicates = 0;
    const report = await enumerateOrgItems(sessionFor(big, { concurrency: 8 }), { orgId: big.orgId }, (items) => {
      for (const i of items) {
        if (seen.has(i.id)) duplicates++;
        seen.add(i.id);
      }
    });
    expect(duplicates).toBe(0);
    expect(seen).toEqual(expected);
    expect(report.unreachableRanges).toEqual([]);
    // Every request is a page of results: past the cap only the page where two chunks meet is read twice.
    expect(report.requests).toBeLessThanOrEqual(Math.ceil(expected.size / 100) + 2);
  }, 120_000);

  it('lists past a millisecond holding more than 10,000 items and reports that millisecond as unreachable', async () => {
    // Items 1,001 to 11,050 in creation order all created in the same millisecond (a bulk import): the first chunk
    // ends inside that millisecond, the next starts there and cannot page past it, so the listing goes on after it.
    const records = [...big.context.state.items.values()].filter((i) => i.json.orgId === big.orgId).sort((a, b) => a.json.created - b.json.created);
    const same = records.slice(1000, 11_050);
    const moment = same[0]!.json.created;
    const saved = same.map((r) => r.json.created);
    for (const r of same) r.json.created = moment;
    big.context.state.touch();
    try {
      const seen = new Set<string>();
      let duplicates = 0;
      const report = await enumerateOrgItems(sessionFor(big, { concurrency: 8 }), { orgId: big.orgId }, (items) => {
        for (const i of items) {
          if (seen.has(i.id)) duplicates++;
          seen.add(i.id);
        }
      });
      expect(duplicates).toBe(0);
      const atMoment = records.filter((r) => r.json.created === moment);
      expect(atMoment.length).toBeGreaterThan(SEARCH_PAGING_CAP);
      expect(report.unreachableRanges).toEqual([{ from: moment, to: moment, total: atMoment.length }]);
      // Everything created before or after that millisecond is listed, and as many of it as search can page.
      for (const r of records) if (r.json.created !== moment) expect(seen.has(r.json.id)).toBe(true);
      const listedAtMoment = atMoment.filter((r) => seen.has(r.json.id)).length;
      expect(listedAtMoment).toBeGreaterThanOrEqual(SEARCH_PAGING_CAP);
      expect(seen.size).toBe(records.length - atMoment.length + listedAtMoment);
    } finally {
      same.forEach((r, i) => (r.json.created = saved[i]!));
      big.context.state.touch();
    }
  }, 120_000);

  it('asks for several first pages at once when told to, using each once and answering every item once', async () => {
    for (const emu of [demo, big]) {
      const expected = orgItemIds(emu);
      const seen: string[] = [];
      const report = await enumerateOrgItems(sessionFor(emu, { concurrency: 8 }), { orgId: emu.orgId, firstRound: 8 }, (items) => {
        seen.push(...items.map((i) => i.id));
      });
      expect(new Set(seen).size).toBe(seen.length);
      expect(new Set(seen)).toEqual(expected);
      // The early pages past the total are the only extra requests (none when the total reaches past them).
      expect(report.requests).toBeLessThanOrEqual(Math.max(8, Math.ceil(expected.size / 100) + 2));
    }
  }, 120_000);

  it('restricts to a query', async () => {
    const seen: string[] = [];
    // ArcGIS's type:"Web Map" also matches "Web Mapping Application" (stemmed terms); Esri's apps exclude it like this.
    const query = 'type:"Web Map" -type:"Web Mapping Application"';
    await enumerateOrgItems(sessionFor(demo, { concurrency: 8 }), { orgId: demo.orgId, query }, (items) => {
      seen.push(...items.map((i) => i.id));
    });
    const maps = [...demo.context.state.items.values()].filter((i) => i.json.type === 'Web Map').map((i) => i.json.id);
    expect(new Set(seen)).toEqual(new Set(maps));
  });

  it('lists the items shared with a group (scope group:<id>), past the search cap too', async () => {
    // More than 10,000 items shared with one group: the group's content list gives every item's sharing.
    const group = [...big.context.state.groups.values()].find((g) => g.orgId === big.orgId)!;
    const items = [...big.context.state.items.values()].filter((i) => i.json.orgId === big.orgId);
    const added = items.filter((i) => !i.groups.has(group.id));
    for (const item of added) item.groups.add(group.id);
    try {
      const seen = new Set<string>();
      const report = await enumerateOrgItems(sessionFor(big, { concurrency: 8 }), { scope: `group:${group.id}` }, (page) => {
        for (const item of page) seen.add(item.id);
      });
      expect(items.length).toBeGreaterThan(SEARCH_PAGING_CAP);
      expect(seen).toEqual(new Set(items.map((i) => i.json.id)));
      expect(report.unreachableRanges).toEqual([]);
    } finally {
      for (const item of added) item.groups.delete(group.id);
    }
    await expect(enumerateOrgItems(sessionFor(demo, { concurrency: 8 }), {}, () => undefined)).rejects.toThrow(/orgId or a scope/);
  }, 120_000);
});
