// The Back up page (/backup), where a new backup starts: a map of the organization (owners, folders, items sized by
// storage) to choose what to back up, bulk selection by type and owner, a live tally with the estimated size, the
// backup's name, and "Back up now" with its progress until it is done.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { backupKeys, type ContentMap, getContentMap, startBackup } from '../../api/backup.api';
import { fieldError, isApiError } from '../../api/api-client';
import { listOperations, operationKeys } from '../../api/operations.api';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { FormField } from '../../components/form-field';
import { IdentityPage } from '../../components/identity-page';
import { ErrorNotice, Notice } from '../../components/notice';
import { OperationProgress } from '../../components/operation-progress';
import { canOperate } from '../../components/roles';
import { TriCheckbox } from '../../components/tri-checkbox';
import { formatBytes, formatCount, formatDateTime, plural } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import type { Identity } from '../../api/identities.api';
import { ContentTreemap } from './content-treemap';
import { backupRequest, indexMap, type MapIndex, setAll, tally, toggle, triState } from './selection';
import '../../components/native-forms.css';
import './new-backup.css';

export function NewBackupPage() {
  const user = useCurrentUser();
  return (
    <IdentityPage
      className="new-backup-page"
      title="Back up"
      intro={
        <>
          The organization as a map: each owner, their folders and items, sized by the storage they use. Press a block to
          select or deselect it (an owner or folder selects everything inside), or choose by type and owner below. Then name
          the backup and press <b>Back up now</b>. Unchanged items cost no new storage.
        </>
      }
    >
      {(identity) => <BackupWorkspace identity={identity} canRun={canOperate(user)} />}
    </IdentityPage>
  );
}

function defaultName(identity: Identity): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${identity.name} ${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}`;
}

function BackupWorkspace({ identity, canRun }: { identity: Identity; canRun: boolean }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const map = useQuery({
    queryKey: backupKeys.contentMap(identity.id),
    queryFn: ({ signal }) => getContentMap(client, identity.id, { signal }),
    staleTime: 60_000,
    retry: false
  });
  // "Read again" bypasses the server's short cache too.
  const refresh = useMutation({
    mutationFn: () => getContentMap(client, identity.id, { refresh: true }),
    onSuccess: (fresh) => queryClient.setQueryData(backupKeys.contentMap(identity.id), fresh)
  });

  // A backup of this identity that is already running (started here earlier, from the CLI or by a schedule).
  const running = useQuery({
    queryKey: operationKeys.list({ identityId: identity.id, kind: 'backup', status: 'running' }),
    queryFn: ({ signal }) => listOperations(client, { identityId: identity.id, kind: 'backup', status: 'running', limit: 1 }, signal)
  });
  const [operationId, setOperationId] = useState<string | null>(null);
  const shownOperation = operationId ?? running.data?.operations[0]?.id ?? null;

  const notConnected = identity.status.state !== 'connected';

  return (
    <>
      {notConnected && (
        <Notice kind="warning" title={`"${identity.name}" is not connected`}>
          {identity.status.message ?? 'Connect it on Manage Identities, then come back to choose what to back up.'}
        </Notice>
      )}
      {refresh.error !== null && <ErrorNotice error={refresh.error} title="The organization's content could not be read again" />}
      {map.error !== null && !map.data && (
        <ErrorNotice
          error={map.error}
          title="The organization's content could not be read"
          actions={
            <calcite-button appearance="outline" scale="s" iconStart="refresh" onClick={() => void map.refetch()}>
              Try again
            </calcite-button>
          }
        />
      )}
      {map.isPending && !map.error && (
        <div className="page-loading">
          <calcite-loader label="Reading the organization's content" inline />
          <span>Reading the organization's content…</span>
        </div>
      )}
      {map.data && (
        <SelectionWorkspace
          identity={identity}
          map={map.data}
          canRun={canRun}
          refreshing={refresh.isPending}
          onRefresh={() => refresh.mutate()}
          operationId={shownOperation}
          onStarted={setOperationId}
        />
      )}
    </>
  );
}

interface SelectionWorkspaceProps {
  identity: Identity;
  map: ContentMap;
  canRun: boolean;
  refreshing: boolean;
  onRefresh: () => void;
  operationId: string | null;
  onStarted: (operationId: string) => void;
}

/** The items chosen on the map. Everything at first; a map read again keeps the choices that still apply. */
function useMapSelection(map: ContentMap) {
  const index = useMemo(() => indexMap(map), [map]);
  // Everything is selected at first: a full backup is the usual case.
  const [selected, setSelected] = useState<Set<string>>(() => new Set(index.allIds));
  // A refreshed map keeps the choices that still apply; new items are selected when everything was.
  const [indexSeen, setIndexSeen] = useState(index);
  if (indexSeen !== index) {
    const wasEverything = selected.size >= indexSeen.allIds.length;
    setIndexSeen(index);
    setSelected(wasEverything ? new Set(index.allIds) : new Set(index.allIds.filter((id) => selected.has(id))));
  }
  return { index, selected, setSelected };
}

function SelectionWorkspace({ identity, map, canRun, refreshing, onRefresh, operationId, onStarted }: SelectionWorkspaceProps) {
  const { index, selected, setSelected } = useMapSelection(map);
  const setAllOf = (ids: string[], on: boolean) => setSelected((current) => setAll(ids, current, on));
  return (
    <div className="backup-layout">
      <div className="backup-map-column">
        <div className="backup-map-toolbar">
          <span className="backup-map-meta">
            {plural(map.totals.items, 'item')} · {plural(map.totals.owners, 'owner')} · {formatBytes(map.totals.size)} · read{' '}
            {formatDateTime(map.generatedAt)}
          </span>
          <calcite-button appearance="outline" scale="s" iconStart="check-square" onClick={() => setSelected(new Set(index.allIds))}>
            Select everything
          </calcite-button>
          <calcite-button appearance="outline" scale="s" iconStart="square" onClick={() => setSelected(new Set())}>
            Clear selection
          </calcite-button>
          <calcite-button appearance="transparent" scale="s" iconStart="refresh" loading={refreshing} onClick={onRefresh}>
            Read again
          </calcite-button>
        </div>
        {map.problems.length > 0 && (
          <Notice kind="warning" title="Part of the organization could not be read">
            <ul className="plain-list">
              {map.problems.map((p, i) => (
                <li key={i}>
                  <PlainText text={p.message} />
                </li>
              ))}
            </ul>
          </Notice>
        )}
        {map.items.length === 0 ? (
          <Notice kind="info" title="The organization holds no items">
            A backup still records its groups and users.
          </Notice>
        ) : (
          <ContentTreemap map={map} index={index} selected={selected} onToggle={(ids) => setSelected((current) => toggle(ids, current))} />
        )}
        <div className="bulk-columns">
          <BulkList title="By type" entries={[...index.byType.entries()].sort((a, b) => a[0].localeCompare(b[0]))} index={index} selected={selected} onChange={setAllOf} />
          <BulkList
            title="By owner"
            entries={map.owners.map((owner) => [owner.username, index.byOwner.get(owner.username) ?? []] as [string, string[]])}
            index={index}
            selected={selected}
            onChange={setAllOf}
          />
        </div>
      </div>
      <BackupSide identity={identity} index={index} selected={selected} canRun={canRun} operationId={operationId} onStarted={onStarted} />
    </div>
  );
}

interface BackupSideProps {
  identity: Identity;
  index: MapIndex;
  selected: ReadonlySet<string>;
  canRun: boolean;
  operationId: string | null;
  onStarted: (operationId: string) => void;
}

/** What is chosen (count, estimated size), the backup's name, Back up now, and the backup's progress. */
function BackupSide({ identity, index, selected, canRun, operationId, onStarted }: BackupSideProps) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const [name, setName] = useState(() => defaultName(identity));
  const [problem, setProblem] = useState<string | null>(null);
  const [withDependencies, setWithDependencies] = useState(true);
  const counts = tally(selected, index);
  const start = useMutation({
    mutationFn: async () => {
      const request = backupRequest(name, selected, index, withDependencies);
      if ('problem' in request) throw new Error(request.problem);
      return startBackup(client, identity.id, request);
    },
    onMutate: () => setProblem(null),
    onSuccess: (result) => {
      queryClient.setQueryData(operationKeys.one(result.operationId), result.operation);
      void queryClient.invalidateQueries({ queryKey: operationKeys.all });
      onStarted(result.operationId);
    },
    onError: (error) => {
      if (!isApiError(error)) setProblem(error instanceof Error ? error.message : String(error));
    }
  });
  const nameError = fieldError(start.error, 'name');

  return (
    <aside className="backup-side" aria-label="Backup">
      <div className="backup-tally" role="status" aria-live="polite" aria-atomic="true">
        <div className="backup-tally-count">
          <span data-testid="selected-count">{formatCount(counts.items)}</span> of {plural(index.allIds.length, 'item')} selected
        </div>
        <div className="backup-tally-size">
          Estimated size <b data-testid="selected-size">{formatBytes(counts.size)}</b>
        </div>
        <div className="backup-tally-note">
          {counts.everything ? 'Everything: items, and also groups and users.' : counts.items > 0 ? 'The chosen items, and groups and users.' : 'Nothing selected.'}
        </div>
      </div>
      <FormField name="name" label="Backup name" help="Shown in the list of backups and in its log." value={name} onValueChange={setName} error={nameError} required disabled={!canRun} />
      {!counts.everything && counts.items > 0 && (
        <label className="inline-check">
          <input type="checkbox" checked={withDependencies} disabled={!canRun} onChange={(event) => setWithDependencies(event.target.checked)} />
          Also back up what the chosen items need to be restored (a survey's service and views, a view's source)
        </label>
      )}
      {problem && <Notice kind="warning" title="Not yet" announce>{problem}</Notice>}
      {start.error !== null && isApiError(start.error) && !nameError && <ErrorNotice error={start.error} title="The backup did not start" />}
      {canRun ? (
        <calcite-button
          width="full"
          iconStart="save"
          loading={start.isPending}
          disabled={start.isPending || counts.items === 0 || identity.status.state !== 'connected'}
          onClick={() => start.mutate()}
        >
          Back up now
        </calcite-button>
      ) : (
        <Notice kind="info" title="Viewing only">
          Your OrgKeeper role may look at the map; an operator or administrator starts backups.
        </Notice>
      )}
      {operationId && <OperationProgress key={operationId} operationId={operationId} title="Backup" canCancel={canRun} />}
    </aside>
  );
}

function BulkList({
  title,
  entries,
  index,
  selected,
  onChange
}: {
  title: string;
  entries: [string, string[]][];
  index: MapIndex;
  selected: ReadonlySet<string>;
  onChange: (ids: string[], on: boolean) => void;
}) {
  const headingId = useId();
  return (
    <section className="bulk-list" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <ul>
        {entries.map(([key, ids]) => {
          const state = triState(ids, selected);
          const size = ids.reduce((sum, id) => sum + (index.sizeOf.get(id) ?? 0), 0);
          return (
            <li key={key}>
              <TriCheckbox label={key} state={state} detail={`${formatCount(ids.length)} · ${formatBytes(size)}`} onChange={(on) => onChange(ids, on)} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}
