// One snapshot: its summary, its content as a tree (owners, folders, items) with a filter, and the open item's detail.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { backupKeys, type ContentMap, getSnapshot, listAllSnapshotItems, type SnapshotItem } from '../../api/backup.api';
import { useApiClient } from '../../app/api-context';
import { ErrorNotice } from '../../components/notice';
import { StatusBadge } from '../../components/status-badge';
import { formatBytes, formatCount, formatDateTime, plural } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import type { Identity } from '../../api/identities.api';
import { ItemDetailView } from './item-detail';
import { type TreeFolder, type TreeOwner, snapshotTree } from './snapshot-tree';
import { takenAlongText } from './taken-along';
import '@esri/calcite-components/components/calcite-icon';

export interface SnapshotBrowserProps {
  identity: Identity;
  snapshotId: string;
  itemId: string | null;
  onOpenItem: (itemId: string) => void;
  onClose: () => void;
}

export function SnapshotBrowser({ identity, snapshotId, itemId, onOpenItem, onClose }: SnapshotBrowserProps) {
  const client = useApiClient();
  const headingId = useId();
  const detail = useQuery({ queryKey: backupKeys.snapshot(identity.id, snapshotId), queryFn: ({ signal }) => getSnapshot(client, identity.id, snapshotId, signal) });
  const snapshot = detail.data?.snapshot;

  return (
    <section className="panel snapshot-browser" aria-labelledby={headingId}>
      <div className="panel-title-row">
        <h2 id={headingId}>{snapshot ? snapshot.name : 'Snapshot'}</h2>
        <calcite-button appearance="transparent" kind="neutral" scale="s" iconStart="x" onClick={onClose}>
          Close
        </calcite-button>
      </div>
      {detail.error !== null && <ErrorNotice error={detail.error} title="This snapshot cannot be read" />}
      {snapshot && (
        <p className="snapshot-meta">
          <StatusBadge status={snapshot.status} /> {formatDateTime(snapshot.startedAt)} · {plural(snapshot.items, 'item')} ·{' '}
          {plural(snapshot.counts.groups, 'group')} · {plural(snapshot.counts.users, 'user')} · {plural(snapshot.counts.layers, 'layer')} with{' '}
          {plural(snapshot.counts.features, 'feature')} · {formatBytes(snapshot.bytesRead)} read, {formatBytes(snapshot.newBytes)} new
        </p>
      )}
      <div className="snapshot-columns">
        <SnapshotContent identity={identity} snapshotId={snapshotId} itemId={itemId} onOpenItem={onOpenItem} />
        <div className="snapshot-item-column">
          {itemId ? (
            <ItemDetailView key={itemId} identity={identity} snapshotId={snapshotId} itemId={itemId} />
          ) : (
            <p className="empty-note">Choose an item to see what the snapshot holds of it.</p>
          )}
        </div>
      </div>
    </section>
  );
}

/** The snapshot's items as a tree of owners and folders, with a filter. */
function SnapshotContent({ identity, snapshotId, itemId, onOpenItem }: Omit<SnapshotBrowserProps, 'onClose'>) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const filterId = useId();
  const [filter, setFilter] = useState('');
  const items = useQuery({
    queryKey: backupKeys.snapshotItems(identity.id, snapshotId),
    queryFn: ({ signal }) => listAllSnapshotItems(client, identity.id, snapshotId, signal),
    // A snapshot never changes once written.
    staleTime: Infinity
  });
  const tree = useMemo(() => snapshotTree(items.data ?? [], filter), [items.data, filter]);
  // Folder names are not in the snapshot's item list; the live content map (if this page session has read it) knows them.
  const liveMap = queryClient.getQueryData<ContentMap>(backupKeys.contentMap(identity.id));
  const folderTitle = (id: string) => liveMap?.folders.find((f) => f.id === id)?.title;
  // Small snapshots and search results open fully; otherwise owners and folders open on demand.
  const expandAll = filter !== '' || (items.data?.length ?? 0) <= 50;

  return (
    <div className="snapshot-tree-column">
      <label className="text-filter" htmlFor={filterId}>
        Find in this snapshot
        <input id={filterId} type="search" value={filter} onChange={(event) => setFilter(event.target.value)} placeholder="Title, type, owner or item ID" />
      </label>
      {items.error !== null && <ErrorNotice error={items.error} title="The snapshot's items could not be listed" />}
      {items.isPending ? (
        <calcite-loader label="Loading the items" inline />
      ) : tree.length === 0 ? (
        <p className="empty-note">{filter ? 'No item matches.' : 'This snapshot holds no items.'}</p>
      ) : (
        <ul className="snapshot-tree" aria-label="Owners, folders and items">
          {tree.map((owner) => (
            <OwnerBranch
              key={owner.owner}
              owner={owner}
              open={expandAll || tree.length <= 3 || owner.folders.some((f) => f.items.some((i) => i.id === itemId))}
              expandAll={expandAll}
              folderTitle={folderTitle}
              itemId={itemId}
              onOpenItem={onOpenItem}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

interface OwnerBranchProps {
  owner: TreeOwner;
  open: boolean;
  expandAll: boolean;
  folderTitle: (id: string) => string | undefined;
  itemId: string | null;
  onOpenItem: (itemId: string) => void;
}

function OwnerBranch({ owner, open, expandAll, folderTitle, itemId, onOpenItem }: OwnerBranchProps) {
  return (
    <li>
      <details open={open}>
        <summary>
          <calcite-icon icon="user" scale="s" aria-hidden="true" /> <PlainText text={owner.owner} />{' '}
          <span className="cell-note">{plural(owner.count, 'item')}</span>
        </summary>
        <ul>
          {owner.folders.map((folder) =>
            folder.id === null ? (
              <li key="(root)" className="tree-root-items">
                <ItemList folder={folder} itemId={itemId} onOpenItem={onOpenItem} />
              </li>
            ) : (
              <li key={folder.id}>
                <details open={expandAll || folder.items.some((i) => i.id === itemId)}>
                  <summary>
                    <calcite-icon icon="folder" scale="s" aria-hidden="true" />{' '}
                    <PlainText text={folderTitle(folder.id)} fallback={`Folder ${folder.id}`} />{' '}
                    <span className="cell-note">{plural(folder.items.length, 'item')}</span>
                  </summary>
                  <ItemList folder={folder} itemId={itemId} onOpenItem={onOpenItem} />
                </details>
              </li>
            )
          )}
        </ul>
      </details>
    </li>
  );
}

/** Says in words that a backup of chosen items took this item along, and for which item (the item page lists all). */
function TakenAlongNote({ item }: { item: SnapshotItem }) {
  const text = takenAlongText(item);
  if (text === null) return null;
  return (
    <span className="cell-note taken-along-note" data-taken-along={item.id}>
      <calcite-icon icon="link" scale="s" aria-hidden="true" /> <PlainText text={text} />
    </span>
  );
}

function ItemList({ folder, itemId, onOpenItem }: { folder: TreeFolder; itemId: string | null; onOpenItem: (itemId: string) => void }) {
  return (
    <ul>
      {folder.items.map((item) => (
        <li key={item.id}>
          <button type="button" className="link-button tree-item" aria-current={item.id === itemId ? 'true' : undefined} onClick={() => onOpenItem(item.id)} data-item-id={item.id}>
            <PlainText text={item.title} fallback="(no title)" />
          </button>{' '}
          <span className="cell-note">
            <PlainText text={item.type} />
            {item.status !== 'ok' && ` · ${item.status}`}
            {item.layers > 0 && ` · ${formatCount(item.features)} features`}
          </span>
          <TakenAlongNote item={item} />
        </li>
      ))}
    </ul>
  );
}
