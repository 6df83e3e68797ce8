// What changed between two snapshots: items added, removed and changed (with the parts that changed), groups and users.
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { backupKeys, diffSnapshots, type SnapshotSummary } from '../../api/backup.api';
import { useApiClient } from '../../app/api-context';
import { ErrorNotice } from '../../components/notice';
import { formatCount, formatDateTime } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import type { Identity } from '../../api/identities.api';

export interface SnapshotDiffViewProps {
  identity: Identity;
  from: string;
  to: string;
  snapshots: SnapshotSummary[];
  onClose: () => void;
}

export function SnapshotDiffView({ identity, from, to, snapshots, onClose }: SnapshotDiffViewProps) {
  const client = useApiClient();
  const headingId = useId();
  const diff = useQuery({ queryKey: backupKeys.diff(identity.id, from, to), queryFn: ({ signal }) => diffSnapshots(client, identity.id, from, to, signal) });
  const name = (id: string) => {
    const snapshot = snapshots.find((s) => s.id === id);
    return snapshot ? `${snapshot.name} (${formatDateTime(snapshot.startedAt)})` : id;
  };
  const d = diff.data;
  return (
    <section className="panel snapshot-diff" aria-labelledby={headingId}>
      <div className="panel-title-row">
        <h2 id={headingId}>Changes</h2>
        <calcite-button appearance="transparent" kind="neutral" scale="s" iconStart="x" onClick={onClose}>
          Close
        </calcite-button>
      </div>
      <p>
        From <b>{name(from)}</b> to <b>{name(to)}</b>
      </p>
      {diff.error !== null && <ErrorNotice error={diff.error} title="The snapshots could not be compared" />}
      {!d ? (
        !diff.error && <calcite-loader label="Comparing" inline />
      ) : (
        <>
          <p className="diff-summary" data-testid="diff-summary">
            Items: {formatCount(d.items.added.length)} added, {formatCount(d.items.removed.length)} removed, {formatCount(d.items.changed.length)} changed,{' '}
            {formatCount(d.items.unchanged)} unchanged. Groups: {formatCount(d.groups.added.length)} added, {formatCount(d.groups.removed.length)} removed,{' '}
            {formatCount(d.groups.changed.length)} changed. Users: {formatCount(d.users.added.length)} added, {formatCount(d.users.removed.length)} removed,{' '}
            {formatCount(d.users.changed.length)} changed.
          </p>
          <div className="diff-columns">
            <DiffList title="Added items" entries={d.items.added.map((i) => ({ key: i.id, title: i.title, detail: `${i.type} · ${i.owner}` }))} />
            <DiffList title="Removed items" entries={d.items.removed.map((i) => ({ key: i.id, title: i.title, detail: `${i.type} · ${i.owner}` }))} />
            <DiffList title="Changed items" entries={d.items.changed.map((i) => ({ key: i.id, title: i.title, detail: `${i.type} · changed: ${i.parts.join(', ')}` }))} />
          </div>
          {(d.groups.added.length + d.groups.removed.length + d.groups.changed.length > 0 ||
            d.users.added.length + d.users.removed.length + d.users.changed.length > 0) && (
            <div className="diff-columns">
              <DiffList
                title="Groups"
                entries={[
                  ...d.groups.added.map((g) => ({ key: `a${g.id}`, title: g.title, detail: 'added' })),
                  ...d.groups.removed.map((g) => ({ key: `r${g.id}`, title: g.title, detail: 'removed' })),
                  ...d.groups.changed.map((g) => ({ key: `c${g.id}`, title: g.title, detail: `changed: ${g.parts.join(', ')}` }))
                ]}
              />
              <DiffList
                title="Users"
                entries={[
                  ...d.users.added.map((u) => ({ key: `a${u.username}`, title: u.username, detail: 'added' })),
                  ...d.users.removed.map((u) => ({ key: `r${u.username}`, title: u.username, detail: 'removed' })),
                  ...d.users.changed.map((u) => ({ key: `c${u.username}`, title: u.username, detail: `changed: ${u.parts.join(', ')}` }))
                ]}
              />
            </div>
          )}
        </>
      )}
    </section>
  );
}

function DiffList({ title, entries }: { title: string; entries: { key: string; title: string; detail: string }[] }) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="diff-list">
      <h3 id={headingId}>
        {title} ({formatCount(entries.length)})
      </h3>
      {entries.length === 0 ? (
        <p className="empty-note">None</p>
      ) : (
        <ul className="plain-list">
          {entries.map((entry) => (
            <li key={entry.key}>
              <PlainText text={entry.title} fallback="(no title)" /> <span className="cell-note">— <PlainText text={entry.detail} /></span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
