// Step 1 of a restore: the snapshot, and the items to restore from it (found by title, type, owner or id).
import { useId, useState } from 'react';
import type { SnapshotItem } from '../../api/backup.api';
import { ErrorNotice } from '../../components/notice';
import { TriCheckbox } from '../../components/tri-checkbox';
import { formatCount, formatDateTime, plural } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import type { RestoreSource } from './restore-source';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';

export function RestoreItemsStep({ source, onChooseSnapshot }: { source: RestoreSource; onChooseSnapshot: (id: string) => void }) {
  const { list, snapshotId, items, selected, setSelected, chosen } = source;
  const headingId = useId();
  const filterId = useId();
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const shown = (items.data ?? []).filter((item) => !needle || [item.title, item.type, item.owner, item.id].some((text) => text.toLowerCase().includes(needle)));
  const shownState = shown.length === 0 ? 'none' : shown.every((i) => selected.has(i.id)) ? 'all' : shown.some((i) => selected.has(i.id)) ? 'some' : 'none';
  const choose = (ids: string[], on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>1. What to restore</h2>
      <calcite-select label="Snapshot" labelText="Snapshot" value={snapshotId ?? ''} oncalciteSelectChange={(event) => onChooseSnapshot(event.target.value)}>
        {list.map((snapshot) => (
          <calcite-option key={snapshot.id} value={snapshot.id} label={`${snapshot.name} (${formatDateTime(snapshot.startedAt)})`} selected={snapshot.id === snapshotId}>
            {snapshot.name} ({formatDateTime(snapshot.startedAt)}, {plural(snapshot.items, 'item')})
          </calcite-option>
        ))}
      </calcite-select>
      <div className="restore-item-tools">
        <label className="text-filter" htmlFor={filterId}>
          Find items
          <input id={filterId} type="search" value={filter} onChange={(event) => setFilter(event.target.value)} placeholder="Title, type, owner or item ID" />
        </label>
        <TriCheckbox
          label={filter ? 'All items shown' : 'All items'}
          state={shownState}
          detail={`${formatCount(shown.length)}`}
          onChange={(on) => choose(shown.map((item) => item.id), on)}
        />
      </div>
      {items.error !== null && <ErrorNotice error={items.error} title="The snapshot's items could not be listed" />}
      {items.isPending ? <calcite-loader label="Loading items" inline /> : <ItemTable items={shown} selected={selected} onChange={(id, on) => choose([id], on)} />}
      <p className="restore-tally" role="status" aria-live="polite">
        {plural(chosen.length, 'item')} chosen
      </p>
    </section>
  );
}

function ItemTable({ items, selected, onChange }: { items: SnapshotItem[]; selected: ReadonlySet<string>; onChange: (id: string, on: boolean) => void }) {
  return (
    <div className="table-scroll restore-items">
      <table className="data-table">
        <caption className="visually-hidden">Items in the snapshot</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Type</th>
            <th scope="col">Owner</th>
            <th scope="col">Modified</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <ItemRow key={item.id} item={item} checked={selected.has(item.id)} onChange={(on) => onChange(item.id, on)} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ItemRow({ item, checked, onChange }: { item: SnapshotItem; checked: boolean; onChange: (on: boolean) => void }) {
  return (
    <tr data-item-id={item.id} aria-selected={checked}>
      <td>
        <label className="item-check">
          <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
          <PlainText text={item.title} fallback="(no title)" />
        </label>
        <div className="cell-note">{item.id}</div>
      </td>
      <td>
        <PlainText text={item.type} />
      </td>
      <td>
        <PlainText text={item.owner} />
      </td>
      <td>{formatDateTime(item.modified)}</td>
    </tr>
  );
}
