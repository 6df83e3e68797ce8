// The one test suite every StoreBackend implementation passes (disk, S3, Azure): each implementation's test file calls
// `describeStoreBackendContract`. Kept out of `*.test.ts` so vitest does not run it alone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStoreError } from '../store-error.js';
import type { StoreBackend } from './store-backend.js';

const text = (value: string) => Buffer.from(value);

async function keys(backend: StoreBackend, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const object of backend.list(prefix)) found.push(object.key);
  return found.sort();
}

export function describeStoreBackendContract(name: string, create: () => Promise<{ backend: StoreBackend; cleanup(): Promise<void> }>): void {
  describe(`StoreBackend contract: ${name}`, () => {
    let backend: StoreBackend;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ backend, cleanup } = await create());
      await backend.initialize();
    });
    afterEach(async () => {
      await backend.close();
      await cleanup();
    });

    it('writes, reads, stats and replaces objects atomically', async () => {
      expect(await backend.read('snapshots/a.json')).toBeUndefined();
      expect(await backend.stat('snapshots/a.json')).toBeUndefined();
      const first = await backend.write('snapshots/a.json', text('one'));
      const found = await backend.read('snapshots/a.json');
      expect(found?.bytes.toString()).toBe('one');
      expect(found?.etag).toBe(first);
      expect(Math.abs(found!.modifiedAt.getTime() - Date.now())).toBeLessThan(60_000);
      expect(await backend.stat('snapshots/a.json')).toMatchObject({ key: 'snapshots/a.json', size: 3 });
      const second = await backend.write('snapshots/a.json', text('two!'));
      expect(second).not.toBe(first);
      expect((await backend.read('snapshots/a.json'))?.bytes.toString()).toBe('two!');
    });

    it('creates exclusively: one of many concurrent creators wins, the content is whole', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => backend.create('locks/lock.json', text(`holder ${i} `.repeat(50)))));
      const winners = results.map((etag, i) => ({ etag, i })).filter((r) => r.etag !== undefined);
      expect(winners).toHaveLength(1);
      const found = await backend.read('locks/lock.json');
      expect(found?.bytes.toString()).toBe(`holder ${winners[0]!.i} `.repeat(50));
      expect(found?.etag).toBe(winners[0]!.etag);
      expect(await backend.create('locks/lock.json', text('late'))).toBeUndefined();
    });

    it('replaces only what was read (compare-and-swap), and never what is gone', async () => {
      const etag = (await backend.create('locks/lock.json', text('v1')))!;
      const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => backend.replace('locks/lock.json', text(`v2 by ${i}`), etag)));
      expect(outcomes.filter((o) => o !== undefined)).toHaveLength(1);
      const now = (await backend.read('locks/lock.json'))!;
      expect(now.bytes.toString()).toMatch(/^v2 by \d$/);
      expect(await backend.replace('locks/lock.json', text('v3'), etag)).toBeUndefined(); // stale etag
      expect(await backend.replace('locks/lock.json', text('v3'), now.etag)).toBeDefined();
      expect(await backend.delete('locks/lock.json', { ifMatch: now.etag })).toBe(false); // changed since
      const latest = (await backend.read('locks/lock.json'))!;
      expect(await backend.delete('locks/lock.json', { ifMatch: latest.etag })).toBe(true);
      expect(await backend.replace('locks/lock.json', text('v4'), latest.etag)).toBeUndefined();
      expect(await backend.read('locks/lock.json')).toBeUndefined();
    });

    it('deletes, telling whether something was deleted', async () => {
      await backend.write('pins/p.json', text('x'));
      expect(await backend.delete('pins/p.json')).toBe(true);
      expect(await backend.delete('pins/p.json')).toBe(false);
    });

    it('lists only the objects directly under a prefix', async () => {
      await backend.write('snapshots/b.json', text('b'));
      await backend.write('snapshots/a.json', text('aa'));
      await backend.write('pins/p.json', text('p'));
      await backend.write('store.json', text('{}'));
      expect(await keys(backend, 'snapshots/')).toEqual(['snapshots/a.json', 'snapshots/b.json']);
      expect(await keys(backend, 'journal/')).toEqual([]);
      const sizes = new Map<string, number>();
      for await (const object of backend.list('snapshots/')) sizes.set(object.key, object.size);
      expect(sizes.get('snapshots/a.json')).toBe(2);
      expect(await backend.topLevelEntries()).toContain('store.json');
    });

    it('appends to logs in batches, reopens them, lists and deletes them', async () => {
      const { log, existing } = await backend.openLog('journal/run.jsonl', text('header\n'));
      expect(existing).toBeUndefined();
      await log.append(text('one\n'));
      await log.append(text('two\nthree\n'));
      await log.close();
      expect((await backend.readLog('journal/run.jsonl'))?.bytes.toString()).toBe('header\none\ntwo\nthree\n');
      const again = await backend.openLog('journal/run.jsonl', text('another header\n'));
      expect(again.existing?.toString()).toBe('header\none\ntwo\nthree\n');
      await again.log.append(text('four\n'));
      await again.log.close();
      expect((await backend.readLog('journal/run.jsonl'))?.bytes.toString()).toBe('header\none\ntwo\nthree\nfour\n');
      await (await backend.openLog('journal/other.jsonl', text('h2\n'))).log.close();
      const logs: string[] = [];
      for await (const object of backend.listLogs('journal/')) logs.push(object.key);
      expect(logs.sort()).toEqual(['journal/other.jsonl', 'journal/run.jsonl']);
      await backend.deleteLog('journal/run.jsonl');
      expect(await backend.readLog('journal/run.jsonl')).toBeUndefined();
      const left: string[] = [];
      for await (const object of backend.listLogs('journal/')) left.push(object.key);
      expect(left).toEqual(['journal/other.jsonl']);
    });

    it('refuses keys that could name something outside the store', async () => {
      for (const bad of ['../x', '/etc/passwd', 'a/../../b', '', 'snapshots/', 'a//b', 'C:\\x']) {
        await expect(backend.read(bad)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'invalid_id'));
        await expect(backend.write(bad, text('x'))).rejects.toSatisfy((e: unknown) => isStoreError(e, 'invalid_id'));
      }
    });
  });
}
