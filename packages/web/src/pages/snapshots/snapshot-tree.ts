// A snapshot's items as a tree: owners, their folders (root items first), items by title.
import type { SnapshotItem } from '../../api/backup.api';

export interface TreeFolder {
  id: string | null;
  items: SnapshotItem[];
}

export interface TreeOwner {
  owner: string;
  count: number;
  folders: TreeFolder[];
}

const byText = (a: string, b: string) => a.localeCompare(b, 'en', { sensitivity: 'base' });

/** Groups items by owner and folder; `filter` keeps items whose title, type, owner or id contains it (any case). */
export function snapshotTree(items: readonly SnapshotItem[], filter = ''): TreeOwner[] {
  const needle = filter.trim().toLowerCase();
  const owners = new Map<string, Map<string | null, SnapshotItem[]>>();
  for (const item of items) {
    if (needle && ![item.title, item.type, item.owner, item.id].some((text) => text.toLowerCase().includes(needle))) continue;
    let folders = owners.get(item.owner);
    if (!folders) owners.set(item.owner, (folders = new Map()));
    const list = folders.get(item.folderId);
    if (list) list.push(item);
    else folders.set(item.folderId, [item]);
  }
  return [...owners.entries()]
    .sort((a, b) => byText(a[0], b[0]))
    .map(([owner, folders]) => {
      const list = [...folders.entries()]
        .sort((a, b) => (a[0] === null ? -1 : b[0] === null ? 1 : a[0].localeCompare(b[0])))
        .map(([id, folderItems]) => ({ id, items: folderItems.sort((x, y) => byText(x.title, y.title) || x.id.localeCompare(y.id)) }));
      return { owner, count: list.reduce((sum, f) => sum + f.items.length, 0), folders: list };
    });
}
