// The Backups page (/backups), browsing the snapshots that backups wrote: an identity's snapshots (name, time, items,
// size, new bytes, status), a snapshot's content as a tree, an item's detail with downloads, and the differences between
// two snapshots. The URL holds what is open (?identity=&snapshot=&item=, or &from=&to= for a comparison) so every view
// can be linked to and reloaded.
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { backupKeys, listSnapshots, type SnapshotSummary } from '../../api/backup.api';
import { useApiClient } from '../../app/api-context';
import { DataTable } from '../../components/data-table';
import { IdentityPage } from '../../components/identity-page';
import { ErrorNotice, Notice } from '../../components/notice';
import { StatusBadge } from '../../components/status-badge';
import { formatBytes, formatCount, formatDateTime } from '../../components/units';
import type { Identity } from '../../api/identities.api';
import { SnapshotBrowser } from './snapshot-browser';
import { SnapshotDiffView } from './snapshot-diff';
import './snapshots.css';

export function SnapshotsPage() {
  return (
    <IdentityPage
      className="snapshots-page"
      title="Backups"
      intro={
        <>
          Each backup is a snapshot of the organization at that time. Open one to browse its owners, folders and items, look
          at an item's parts and download it, or compare two snapshots to see what changed.
        </>
      }
    >
      {(identity) => <IdentitySnapshots identity={identity} />}
    </IdentityPage>
  );
}

function IdentitySnapshots({ identity }: { identity: Identity }) {
  const client = useApiClient();
  const [params, setParams] = useSearchParams();
  const snapshots = useQuery({ queryKey: backupKeys.snapshots(identity.id), queryFn: ({ signal }) => listSnapshots(client, identity.id, signal), staleTime: 0 });
  const list = [...(snapshots.data?.snapshots ?? [])].reverse(); // newest first
  const open = params.get('snapshot');
  const from = params.get('from');
  const to = params.get('to');

  const update = (change: Record<string, string | null>) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      next.set('identity', identity.id);
      for (const [key, value] of Object.entries(change)) {
        if (value === null) next.delete(key);
        else next.set(key, value);
      }
      return next;
    });

  if (snapshots.error) return <ErrorNotice error={snapshots.error} title="The backups could not be listed" />;
  if (snapshots.isPending) return <calcite-loader label="Loading backups" inline />;

  return (
    <>
      {(snapshots.data?.unreadable.length ?? 0) > 0 && (
        <Notice kind="warning" title="Some snapshots cannot be read">
          <ul className="plain-list">
            {snapshots.data!.unreadable.map((u) => (
              <li key={u.id}>
                {u.id}: {u.error}
              </li>
            ))}
          </ul>
        </Notice>
      )}
      {list.length === 0 ? (
        <Notice kind="info" title={`No backups of "${identity.name}" yet`}>
          Start one on the Back up page. Backups are stored in {identity.fileLocation}.
        </Notice>
      ) : (
        <SnapshotTable
          snapshots={list}
          open={open}
          onOpen={(id) => update({ snapshot: id, item: null, from: null, to: null })}
          onCompare={(a, b) => update({ from: a, to: b, snapshot: null, item: null })}
        />
      )}
      {from && to ? (
        <SnapshotDiffView identity={identity} from={from} to={to} snapshots={list} onClose={() => update({ from: null, to: null })} />
      ) : (
        open && (
          <SnapshotBrowser
            key={open}
            identity={identity}
            snapshotId={open}
            itemId={params.get('item')}
            onOpenItem={(itemId) => update({ item: itemId })}
            onClose={() => update({ snapshot: null, item: null })}
          />
        )
      )}
    </>
  );
}

function SnapshotTable({
  snapshots,
  open,
  onOpen,
  onCompare
}: {
  snapshots: SnapshotSummary[];
  open: string | null;
  onOpen: (id: string) => void;
  onCompare: (from: string, to: string) => void;
}) {
  const older = snapshots[1];
  const newest = snapshots[0];
  return (
    <section className="panel" aria-label="Snapshots">
      <div className="panel-title-row">
        <h2>Snapshots</h2>
        {older && newest && (
          <calcite-button appearance="outline" scale="s" iconStart="compare" onClick={() => onCompare(older.id, newest.id)}>
            Compare the last two
          </calcite-button>
        )}
      </div>
      <DataTable caption="Snapshots, newest first" columns={['Name', 'Time', { name: 'Items', numeric: true }, { name: 'Size read', numeric: true }, { name: 'New bytes', numeric: true }, 'Status', { name: 'Compare', visuallyHidden: true }]} className="snapshots-table">
        {snapshots.map((snapshot, i) => {
          const previous = snapshots[i + 1];
          return (
            <tr key={snapshot.id} aria-selected={snapshot.id === open} data-snapshot={snapshot.id}>
              <td>
                <button type="button" className="link-button" onClick={() => onOpen(snapshot.id)} aria-label={`Open snapshot ${snapshot.name}`}>
                  {snapshot.name}
                </button>
                <div className="cell-note">{snapshot.id}</div>
              </td>
              <td>{formatDateTime(snapshot.startedAt)}</td>
              <td className="num">
                {formatCount(snapshot.items)}
                {snapshot.counts.failed > 0 && <div className="cell-note">{formatCount(snapshot.counts.failed)} failed</div>}
              </td>
              <td className="num">{formatBytes(snapshot.bytesRead)}</td>
              <td className="num">{formatBytes(snapshot.newBytes)}</td>
              <td>
                <StatusBadge status={snapshot.status} />
              </td>
              <td>
                {previous && (
                  <button type="button" className="link-button" onClick={() => onCompare(previous.id, snapshot.id)} aria-label={`Compare ${snapshot.name} with the snapshot before it`}>
                    Changes
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      
      </DataTable>
    </section>
  );
}
