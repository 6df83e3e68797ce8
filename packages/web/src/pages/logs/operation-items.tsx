// One operation's per-item log: a status filter, CSV export of every item (with that filter), and the items page by
// page, read again every few seconds while the operation runs.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { type ItemLogStatus, listAllOperationItems, listOperationItems, type Operation, type OperationItem, operationKeys } from '../../api/operations.api';
import { useApiClient } from '../../app/api-context';
import { DataTable } from '../../components/data-table';
import { ErrorNotice } from '../../components/notice';
import { StatusBadge } from '../../components/status-badge';
import { formatBytes, formatCount, formatDuration } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import { csvFileName, downloadText, operationCsv } from './operation-csv';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';

const ITEM_STATUSES: { value: ItemLogStatus | ''; label: string }[] = [
  { value: '', label: 'All items' },
  { value: 'ok', label: 'OK' },
  { value: 'skipped', label: 'Skipped' },
  { value: 'failed', label: 'Failed' }
];
const PAGE_SIZE = 100;

export function OperationItems({ operation, active }: { operation: Operation; active: boolean }) {
  const client = useApiClient();
  const headingId = useId();
  const [status, setStatus] = useState<ItemLogStatus | ''>('');
  const [start, setStart] = useState(1);
  const items = useQuery({
    queryKey: operationKeys.items(operation.id, status, start),
    queryFn: ({ signal }) => listOperationItems(client, operation.id, { ...(status ? { status } : {}), start, num: PAGE_SIZE }, signal),
    staleTime: 0,
    refetchInterval: active ? 3000 : false
  });
  const exportCsv = useMutation({
    mutationFn: async () => {
      const rows = await listAllOperationItems(client, operation.id, status || undefined);
      downloadText(csvFileName(operation), operationCsv(operation, rows));
      return rows.length;
    }
  });
  const page = items.data;

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Items</h2>
      <div className="filter-row">
        <calcite-select
          label="Show"
          labelText="Show"
          value={status}
          oncalciteSelectChange={(event) => {
            setStatus(event.target.value as ItemLogStatus | '');
            setStart(1);
          }}
        >
          {ITEM_STATUSES.map((s) => (
            <calcite-option key={s.value} value={s.value} label={s.label} selected={status === s.value}>
              {s.label}
            </calcite-option>
          ))}
        </calcite-select>
        <calcite-button appearance="outline" iconStart="download" loading={exportCsv.isPending} disabled={exportCsv.isPending} onClick={() => exportCsv.mutate()}>
          Export CSV
        </calcite-button>
      </div>
      {exportCsv.error !== null && <ErrorNotice error={exportCsv.error} title="The CSV could not be made" />}
      {items.error !== null && <ErrorNotice error={items.error} title="The items could not be loaded" />}
      {!page ? (
        <calcite-loader label="Loading items" inline />
      ) : page.total === 0 ? (
        <p className="empty-note">{active ? 'No item has finished yet.' : status ? 'No item has this status.' : 'This operation logged no items.'}</p>
      ) : (
        <>
          <ItemTable items={page.items} />
          <div className="pager">
            <span>
              {formatCount(page.start)}–{formatCount(page.start + page.items.length - 1)} of {formatCount(page.total)}
            </span>
            <calcite-button appearance="outline" scale="s" disabled={page.start <= 1} onClick={() => setStart(Math.max(1, start - PAGE_SIZE))}>
              Previous
            </calcite-button>
            <calcite-button appearance="outline" scale="s" disabled={page.nextStart < 0} onClick={() => setStart(page.nextStart)}>
              Next
            </calcite-button>
          </div>
        </>
      )}
    </section>
  );
}

function ItemTable({ items }: { items: OperationItem[] }) {
  return (
    <DataTable caption="Per-item log" columns={['Title', 'Type', 'Owner', 'Status', 'Parts', { name: 'Read', numeric: true }, { name: 'New', numeric: true }, { name: 'Time', numeric: true }, 'Error']} className="item-log-table">
      {items.map((item) => (
        <tr key={item.itemId} data-item-id={item.itemId}>
          <td>
            <PlainText text={item.title} fallback="(no title)" />
            <div className="cell-note">{item.itemId}</div>
          </td>
          <td>
            <PlainText text={item.type} />
          </td>
          <td>
            <PlainText text={item.owner} />
          </td>
          <td>
            <StatusBadge status={item.status} />
            {item.carriedOver && <div className="cell-note">unchanged, carried over</div>}
          </td>
          <td>{item.parts.join(', ')}</td>
          <td className="num">{formatBytes(item.bytesRead)}</td>
          <td className="num">{formatBytes(item.newBytes)}</td>
          <td className="num">{formatDuration(item.durationMs)}</td>
          <td>{item.error ? <PlainText text={item.error} /> : ''}</td>
        </tr>
      ))}
    
    </DataTable>
  );
}
