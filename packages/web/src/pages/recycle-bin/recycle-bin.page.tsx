// The Recycle bin page (/recycle-bin): per identity, what ArcGIS Online's recycle bin holds (every member's bin), who
// deleted each item and when (known for OrgKeeper's own deletes), the earliest it may be purged, the backup holding it,
// and Restore, which brings items back with their ids so the maps, apps and forms that use them work again.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Identity } from '../../api/identities.api';
import { getRecycleBin, recycleBinKeys, type RecycleBinRestoreResult, type RecycleBinView, restoreFromRecycleBin, type RecycledItemView } from '../../api/recycle-bin.api';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { DataTable } from '../../components/data-table';
import { IdentityPage } from '../../components/identity-page';
import { ErrorNotice, Notice } from '../../components/notice';
import { canOperate } from '../../components/roles';
import { PlainText } from '../../components/untrusted-text';
import { formatBytes, formatDateTime, plural } from '../../components/units';
import '../../components/native-forms.css';
import './recycle-bin.css';

export function RecycleBinPage() {
  const user = useCurrentUser();
  return (
    <IdentityPage
      className="recycle-bin-page"
      title="Recycle bin"
      intro={
        <>
          ArcGIS Online keeps deleted items in the organization's recycle bin for at least 14 days, where the bin is on. An item
          restored from it keeps its id, so every map, app and form that uses it works again; an item recreated from a backup
          gets a new id. ArcGIS Enterprise has no recycle bin.
        </>
      }
    >
      {(identity) => <IdentityBin identity={identity} canRestore={canOperate(user)} />}
    </IdentityPage>
  );
}

function IdentityBin({ identity, canRestore }: { identity: Identity; canRestore: boolean }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  // One request per member: read when the page opens and on Refresh, not in the background.
  const bin = useQuery({ queryKey: recycleBinKeys.bin(identity.id), queryFn: ({ signal }) => getRecycleBin(client, identity.id, signal), staleTime: 60_000, refetchOnWindowFocus: false });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const restore = useMutation({
    mutationFn: (items: RecycledItemView[]) => restoreFromRecycleBin(client, identity.id, items.map((i) => ({ id: i.id, owner: i.owner }))),
    onSuccess: () => setSelected(new Set()),
    onSettled: () => queryClient.invalidateQueries({ queryKey: recycleBinKeys.bin(identity.id) })
  });
  const view = bin.data;
  const items = view?.items ?? [];
  const chosen = items.filter((i) => selected.has(i.id));
  const toggle = (id: string, on: boolean) => setSelected((current) => {
    const next = new Set(current);
    if (on) next.add(id);
    else next.delete(id);
    return next;
  });
  return (
    <section aria-label="Recycle bin" data-identity={identity.id}>
      <div className="page-toolbar">
        <calcite-button appearance="outline" iconStart="refresh" loading={bin.isFetching} onClick={() => void bin.refetch()}>
          Refresh
        </calcite-button>
        {canRestore && view?.supported && (
          <calcite-button iconStart="reset" disabled={chosen.length === 0 || restore.isPending} loading={restore.isPending} onClick={() => restore.mutate(chosen)}>
            {chosen.length === 0 ? 'Restore selected' : `Restore ${plural(chosen.length, 'item')}`}
          </calcite-button>
        )}
      </div>
      {bin.error !== null && <ErrorNotice error={bin.error} title="The recycle bin could not be read" />}
      {restore.error !== null && <ErrorNotice error={restore.error} title="Nothing was restored" />}
      {restore.data && <RestoreOutcome result={restore.data} />}
      {bin.isPending ? <calcite-loader label="Reading every member's recycle bin" inline /> : view && <BinContent view={view} identity={identity} selected={selected} toggle={toggle} canRestore={canRestore} onRestore={(item) => restore.mutate([item])} busy={restore.isPending} />}
    </section>
  );
}

function RestoreOutcome({ result }: { result: RecycleBinRestoreResult }) {
  const ok = result.results.filter((r) => r.status === 'ok');
  const failed = result.results.filter((r) => r.status === 'failed');
  return (
    <Notice kind={failed.length > 0 ? 'warning' : 'success'} title={`${plural(ok.length, 'item')} restored with ${ok.length === 1 ? 'its id' : 'their ids'}${failed.length > 0 ? `, ${failed.length} not` : ''}`} announce>
      {failed.length > 0 && (
        <ul className="restore-failures">
          {failed.map((r) => (
            <li key={r.itemId}>
              <code>{r.itemId}</code>: <PlainText text={r.error ?? ''} />
            </li>
          ))}
        </ul>
      )}
      {ok.length > 0 && <p>{result.note}</p>}
    </Notice>
  );
}

interface BinContentProps {
  view: RecycleBinView;
  identity: Identity;
  selected: ReadonlySet<string>;
  toggle: (id: string, on: boolean) => void;
  canRestore: boolean;
  onRestore: (item: RecycledItemView) => void;
  busy: boolean;
}

function BinContent({ view, identity, selected, toggle, canRestore, onRestore, busy }: BinContentProps) {
  const restorable = canRestore && view.supported;
  return (
    <>
      {view.message && (
        <Notice kind={view.supported ? 'warning' : 'info'} title={view.supported ? 'The recycle bin is off' : 'No recycle bin'}>
          {view.message}
        </Notice>
      )}
      {view.problems.map((p) => (
        <Notice key={p.owner} kind="warning" title={p.owner ? `The bin of ${p.owner} could not be read` : 'Not every bin could be read'}>
          <PlainText text={p.error} />
        </Notice>
      ))}
      {view.backupNote && <Notice kind="warning" title="Backups not checked">{view.backupNote}</Notice>}
      {view.supported && view.items.length === 0 && (
        <Notice kind="info" title={`The recycle bin of "${identity.name}" is empty`}>
          Items deleted in ArcGIS, or by Clean's delete fix, appear here until they are restored or purged.
        </Notice>
      )}
      {view.items.length > 0 && (
        <>
          <p className="bin-summary">
            {plural(view.items.length, 'item')} in the recycle bin. ArcGIS keeps an item at least {view.retentionHours / 24} days; who deleted
            it and when are known for OrgKeeper's own deletes (ArcGIS does not say for the others).
          </p>
          <DataTable
            caption="Items in the recycle bin"
            columns={[...(restorable ? [{ name: 'Select', visuallyHidden: true }] : []), 'Title', 'Type', 'Owner', 'Deleted by', 'Deleted', 'Purged from', 'Backup']}
            actions={restorable}
            className="recycle-bin-table"
          >
            {view.items.map((item) => (
              <BinRow key={item.id} item={item} identity={identity} restorable={restorable} selected={selected.has(item.id)} toggle={toggle} onRestore={onRestore} busy={busy} />
            ))}
          </DataTable>
        </>
      )}
    </>
  );
}

interface BinRowProps {
  item: RecycledItemView;
  identity: Identity;
  restorable: boolean;
  selected: boolean;
  toggle: (id: string, on: boolean) => void;
  onRestore: (item: RecycledItemView) => void;
  busy: boolean;
}

/** One item in the bin: what it is, who deleted it and when, until when ArcGIS keeps it, the backup that holds it. */
function BinRow({ item, identity, restorable, selected, toggle, onRestore, busy }: BinRowProps) {
  return (
    <tr data-item={item.id}>
      {restorable && (
        <td>
          <input type="checkbox" aria-label={`Select ${item.title}`} checked={selected} onChange={(e) => toggle(item.id, e.currentTarget.checked)} />
        </td>
      )}
      <td>
        <PlainText text={item.title} fallback="(untitled)" />
        <div className="cell-note">
          <code>{item.id}</code>
          {item.size !== null && ` · ${formatBytes(item.size)}`}
        </div>
      </td>
      <td>
        <PlainText text={item.type} />
      </td>
      <td>
        <PlainText text={item.owner} />
      </td>
      <td>{item.deletedBy ? `${item.deletedBy.username} (Clean fix)` : <span className="cell-note">Not known</span>}</td>
      <td>{item.deletedAt ? formatDateTime(item.deletedAt) : <span className="cell-note">Not known</span>}</td>
      <td>{item.purgeAfter ? formatDateTime(item.purgeAfter) : <span className="cell-note">14 days after the delete</span>}</td>
      <td>
        {item.backupSnapshotId ? (
          <Link to={`/backups?identity=${encodeURIComponent(identity.id)}&snapshot=${encodeURIComponent(item.backupSnapshotId)}&item=${encodeURIComponent(item.id)}`}>
            {item.backupSnapshotId}
          </Link>
        ) : (
          <span className="cell-note">None</span>
        )}
      </td>
      {restorable && (
        <td>
          <calcite-button appearance="transparent" iconStart="reset" disabled={busy} onClick={() => onRestore(item)} label={`Restore ${item.title}`}>
            Restore
          </calcite-button>
        </td>
      )}
    </tr>
  );
}
