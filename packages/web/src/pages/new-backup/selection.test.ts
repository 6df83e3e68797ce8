import { describe, expect, it } from 'vitest';
import type { ContentMap } from '../../api/backup.api';
import { backupRequest, indexMap, setAll, tally, toggle, triState } from './selection';

const item = (id: string, owner: string, folderId: string | null, type: string, size: number) => ({
  id,
  title: id,
  type,
  size,
  owner,
  folderId,
  modified: null,
  access: 'private'
});

const map: ContentMap = {
  identityId: 'i',
  orgId: 'o',
  generatedAt: '2026-01-01T00:00:00Z',
  owners: [],
  folders: [],
  items: [
    item('a1', 'ana', 'f1', 'Web Map', 100),
    item('a2', 'ana', 'f1', 'Feature Service', 1000),
    item('a3', 'ana', null, 'Web Map', 10),
    item('b1', 'bo', null, 'CSV', 1)
  ],
  totals: { items: 4, size: 1111, owners: 2, folders: 1 },
  problems: []
};

describe('backup selection', () => {
  const index = indexMap(map);

  it('indexes by owner, folder and type', () => {
    expect(index.byOwner.get('ana')).toEqual(['a1', 'a2', 'a3']);
    expect(index.byFolder.get('f1')).toEqual(['a1', 'a2']);
    expect(index.byType.get('Web Map')).toEqual(['a1', 'a3']);
  });

  it('toggles a block: all on unless all of it is on', () => {
    let selected = new Set<string>(['a1']);
    expect(triState(index.byFolder.get('f1')!, selected)).toBe('some');
    selected = toggle(index.byFolder.get('f1')!, selected);
    expect(triState(index.byFolder.get('f1')!, selected)).toBe('all');
    selected = toggle(index.byFolder.get('f1')!, selected);
    expect([...selected]).toEqual([]);
    selected = setAll(index.byType.get('Web Map')!, selected, true);
    expect(tally(selected, index)).toEqual({ items: 2, size: 110, everything: false });
  });

  it('asks for everything when everything is selected, else for the chosen ids', () => {
    expect(backupRequest(' Nightly ', new Set(index.allIds), index)).toEqual({ name: 'Nightly' });
    expect(backupRequest('Maps', new Set(['a3', 'a1']), index)).toEqual({ name: 'Maps', items: ['a1', 'a3'] });
    expect(backupRequest('Maps', new Set(['a1']), index, false)).toEqual({ name: 'Maps', items: ['a1'], withDependencies: false });
    // Everything holds every item: the option does not apply.
    expect(backupRequest('All', new Set(index.allIds), index, false)).toEqual({ name: 'All' });
    expect(backupRequest('', new Set(['a1']), index)).toEqual({ problem: 'Give the backup a name.' });
    expect(backupRequest('x', new Set(), index)).toEqual({ problem: 'Select at least one item on the map.' });
  });
});
