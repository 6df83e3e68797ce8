import { describe, expect, it } from 'vitest';
import { groupEntryProblems } from './manifest.js';

const hash = 'a'.repeat(64);

describe('group entries with a thumbnail', () => {
  it('accepts an entry without one (snapshots written before group thumbnails were backed up)', () => {
    expect(groupEntryProblems({ id: 'g1', title: 'Crews', owner: 'admin', status: 'ok', definition: { hash, size: 10 } })).toEqual([]);
  });

  it('accepts a thumbnail blob with a safe file name', () => {
    expect(groupEntryProblems({ id: 'g1', title: 'Crews', owner: 'admin', status: 'ok', thumbnail: { hash, size: 10, filename: 'crews.png', contentType: 'image/png' } })).toEqual([]);
  });

  it('names a damaged thumbnail: no blob hash, or a file name that would escape where it is written', () => {
    expect(groupEntryProblems({ id: 'g1', title: 'Crews', owner: 'admin', status: 'ok', thumbnail: { size: 10, filename: 'crews.png' } })).toEqual([expect.stringContaining('group.thumbnail')]);
    expect(groupEntryProblems({ id: 'g1', title: 'Crews', owner: 'admin', status: 'ok', thumbnail: { hash, size: 10, filename: '../crews.png' } })).toEqual([expect.stringContaining('group.thumbnail.filename')]);
  });
});
