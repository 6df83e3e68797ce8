import { describe, expect, it } from 'vitest';
import { AttachmentStore, type StoredAttachment } from './attachment-store.js';
import { type LazyAttachments } from './types.js';

const guidFor = (id: number) => `{00000000-0000-0000-0000-${String(id).padStart(12, '0')}}`;
const lazy: { generator: LazyAttachments; count: number } = {
  count: 10,
  generator: { perFeatureMax: 2, generate: (oid) => [{ name: `photo${oid}.jpg`, contentType: 'image/jpeg', data: `jpeg ${oid}` }] }
};

/** Comparable view of attachments (blobs compared by their bytes). */
const view = (list: StoredAttachment[]) => list.map(({ blob, ...rest }) => ({ ...rest, bytes: blob.read().toString() }));

describe.each([
  ['in memory', () => new AttachmentStore(guidFor)],
  ['lazy', () => new AttachmentStore(guidFor, lazy)]
])('AttachmentStore (%s) snapshot and restore', (_name, make) => {
  it('brings back changed lists, untouched generated ones and the next attachment id', () => {
    const store = make();
    const added = store.add(2, { name: 'a.txt', contentType: 'text/plain', data: 'a' }, undefined, 3);
    store.add(12, { name: 'b.txt', contentType: 'text/plain', data: 'b' }, undefined, 4);
    store.remove(2, added.id);
    store.removeAll(5);

    const restored = make();
    restored.restore(store.snapshot());
    for (const oid of [1, 2, 5, 12, 13]) expect(view(restored.list(oid))).toEqual(view(store.list(oid)));
    const next = { name: 'c.txt', contentType: 'text/plain', data: 'c' };
    expect(restored.add(7, next, undefined, 5).id).toBe(store.add(7, next, undefined, 5).id);
  });

  it('hands out copies, so later changes do not alter a taken snapshot', () => {
    const store = make();
    store.add(2, { name: 'a.txt', contentType: 'text/plain', data: 'a' }, undefined, 1);
    const snapshot = store.snapshot();
    store.add(2, { name: 'b.txt', contentType: 'text/plain', data: 'b' }, undefined, 2);
    expect(snapshot.byParent.find(([oid]) => oid === 2)![1].map((a) => a.name)).toEqual(store.list(2).slice(0, -1).map((a) => a.name));
  });
});
