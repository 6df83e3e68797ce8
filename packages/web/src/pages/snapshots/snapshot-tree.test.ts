import { describe, expect, it } from 'vitest';
import type { SnapshotItem } from '../../api/backup.api';
import { snapshotTree } from './snapshot-tree';

const item = (id: string, title: string, owner: string, folderId: string | null): SnapshotItem => ({
  id,
  title,
  type: 'Web Map',
  owner,
  folderId,
  modified: '',
  status: 'ok',
  layers: 0,
  features: 0,
  carriedFrom: null,
  takenAlong: null
});

describe('snapshotTree', () => {
  const items = [item('1', 'Zoning', 'bo', 'f2'), item('2', 'alpha', 'bo', null), item('3', 'Parks', 'ana', 'f1'), item('4', 'Beta', 'bo', null)];

  it('groups by owner, then folder (root first), items by title', () => {
    const tree = snapshotTree(items);
    expect(tree.map((o) => [o.owner, o.count])).toEqual([
      ['ana', 1],
      ['bo', 3]
    ]);
    expect(tree[1]!.folders.map((f) => [f.id, f.items.map((i) => i.title)])).toEqual([
      [null, ['alpha', 'Beta']],
      ['f2', ['Zoning']]
    ]);
  });

  it('filters by title, type, owner or id', () => {
    expect(snapshotTree(items, 'PARK').flatMap((o) => o.folders.flatMap((f) => f.items.map((i) => i.id)))).toEqual(['3']);
    expect(snapshotTree(items, 'ana').map((o) => o.owner)).toEqual(['ana']);
    expect(snapshotTree(items, 'nothing')).toEqual([]);
  });
});
