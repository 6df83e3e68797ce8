// Restore: a wizard in four steps on one page. 1. the snapshot and the items to restore; 2. how (in place, recreate
// deleted items, copy, or clone into another identity with an owner mapping); 3. the dry-run plan; 4. run it and follow
// its progress. The plan must be previewed for exactly the choices that are run.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { isApiError } from '../../api/api-client';
import { backupKeys, listAllSnapshotItems, listSnapshots, type SnapshotItem } from '../../api/backup.api';
import { operationKeys } from '../../api/operations.api';
import { planRestore, type RestoreMode, type RestorePlan, type RestoreRequest, restoreSteps, startRestore } from '../../api/restore.api';
import { useOperation } from '../../api/operation-updates';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { FormField } from '../../components/form-field';
import { IdentityPicker, useSelectedIdentity } from '../../components/identity-picker';
import { ErrorNotice, Notice } from '../../components/notice';
import { OperationProgress } from '../../components/operation-progress';
import { canOperate } from '../../components/roles';
import { StatusBadge } from '../../components/status-badge';
import { TriCheckbox } from '../../components/tri-checkbox';
import { formatCount, formatDateTime, formatDuration, plural } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import type { Identity } from '../../api/identities.api';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';
import './restore.css';

const MODES: { value: RestoreMode; label: string; help: string }[] = [
  { value: 'recreate', label: 'Recreate deleted items', help: 'Items that no longer exist in the organization are created again from the backup; items that still exist are left alone.' },
  { value: 'in-place', label: 'In place', help: 'Existing items are overwritten with their backed-up state (missing ones are recreated).' },
  { value: 'copy', label: 'Copy', help: 'New items are created beside the existing ones, with a suffix on their titles.' },
  { value: 'clone', label: 'Clone into another identity', help: 'Items are created in another organization, owners mapped to its users; references between them are rewritten.' }
];

export function RestorePage() {
  const selection = useSelectedIdentity();
  const user = useCurrentUser();
  return (
    <div className="page restore-page">
      <header className="page-header">
        <h1>Restore</h1>
        <p>Bring items back from a backup: choose a snapshot and its items, how to restore them, look at the plan, then run it.</p>
      </header>
      <div className="page-toolbar">
        <IdentityPicker selection={selection} help="The organization whose backup is restored." />
      </div>
      {selection.identity &&
        (canOperate(user) ? (
          <RestoreWizard key={selection.identity.id} identity={selection.identity} identities={selection.identities} />
        ) : (
          <Notice kind="info" title="Viewing only">
            An operator or administrator of OrgKeeper restores items.
          </Notice>
        ))}
    </div>
  );
}

function RestoreWizard({ identity, identities }: { identity: Identity; identities: Identity[] }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const snapshots = useQuery({ queryKey: backupKeys.snapshots(identity.id), queryFn: ({ signal }) => listSnapshots(client, identity.id, signal) });
  const list = [...(snapshots.data?.snapshots ?? [])].reverse();
  const snapshotId = params.get('snapshot') ?? list[0]?.id ?? null;
  const items = useQuery({
    queryKey: backupKeys.snapshotItems(identity.id, snapshotId ?? ''),
    queryFn: ({ signal }) => listAllSnapshotItems(client, identity.id, snapshotId!, signal),
    enabled: Boolean(snapshotId),
    staleTime: Infinity
  });
  const [selected, setSelected] = useState<Set<string>>(() => new Set(params.getAll('item')));
  const [filter, setFilter] = useState('');
  const [mode, setMode] = useState<RestoreMode>('recreate');
  const [owner, setOwner] = useState('');
  const [folder, setFolder] = useState('');
  const [suffix, setSuffix] = useState(' (copy)');
  const [target, setTarget] = useState(identities.find((i) => i.id !== identity.id)?.id ?? '');
  const [ownerMap, setOwnerMap] = useState<Record<string, string>>({});
  const [plan, setPlan] = useState<{ plan: RestorePlan; request: string } | null>(null);
  const [operationId, setOperationId] = useState<string | null>(null);

  const chosen = useMemo(() => (items.data ?? []).filter((item) => selected.has(item.id)), [items.data, selected]);
  const owners = useMemo(() => [...new Set(chosen.map((item) => item.owner))].sort(), [chosen]);
  const request: RestoreRequest | null = snapshotId
    ? {
        snapshotId,
        mode,
        items: chosen.map((item) => item.id),
        ...(mode === 'copy' || mode === 'clone' ? { ...(owner.trim() ? { owner: owner.trim() } : {}), ...(folder.trim() ? { folder: folder.trim() } : {}) } : {}),
        ...(mode === 'copy' ? { suffix } : {}),
        ...(mode === 'clone'
          ? {
              targetIdentityId: target,
              ownerMap: Object.fromEntries(Object.entries(ownerMap).filter(([from, to]) => owners.includes(from) && to.trim() !== '').map(([from, to]) => [from, to.trim()]))
            }
          : {})
      }
    : null;
  const requestKey = JSON.stringify(request);
  const planIsCurrent = plan !== null && plan.request === requestKey;

  const preview = useMutation({
    mutationFn: () => planRestore(client, identity.id, request!),
    onSuccess: (result) => setPlan({ plan: result.plan, request: requestKey })
  });
  const run = useMutation({
    mutationFn: () => startRestore(client, identity.id, request!),
    onSuccess: (result) => {
      queryClient.setQueryData(operationKeys.one(result.operationId), result.operation);
      void queryClient.invalidateQueries({ queryKey: operationKeys.all });
      setOperationId(result.operationId);
    }
  });
  const fieldError = (error: unknown, field: string) => (isApiError(error) ? error.fieldMessage(field) : undefined);
  const error = run.error ?? preview.error;

  const sourceHeading = useId();
  const modeHeading = useId();
  const planHeading = useId();
  const filterId = useId();
  const shown = (items.data ?? []).filter((item) => {
    const needle = filter.trim().toLowerCase();
    return !needle || [item.title, item.type, item.owner, item.id].some((text) => text.toLowerCase().includes(needle));
  });
  const shownState = shown.length === 0 ? 'none' : shown.every((i) => selected.has(i.id)) ? 'all' : shown.some((i) => selected.has(i.id)) ? 'some' : 'none';

  if (snapshots.error) return <ErrorNotice error={snapshots.error} title="The backups could not be listed" />;
  if (snapshots.isPending) return <calcite-loader label="Loading backups" inline />;
  if (list.length === 0) {
    return (
      <Notice kind="info" title={`No backups of "${identity.name}" yet`}>
        Back it up first; a restore starts from a snapshot.
      </Notice>
    );
  }

  return (
    <div className="restore-steps">
      <section className="panel" aria-labelledby={sourceHeading}>
        <h2 id={sourceHeading}>1. What to restore</h2>
        <calcite-select
          label="Snapshot"
          labelText="Snapshot"
          value={snapshotId ?? ''}
          oncalciteSelectChange={(event) => {
            const value = event.target.value;
            setParams((current) => {
              const next = new URLSearchParams(current);
              next.set('snapshot', value);
              next.delete('item');
              return next;
            });
            setSelected(new Set());
            setPlan(null);
          }}
        >
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
            onChange={(on) => {
              setSelected((current) => {
                const next = new Set(current);
                for (const item of shown) {
                  if (on) next.add(item.id);
                  else next.delete(item.id);
                }
                return next;
              });
            }}
          />
        </div>
        {items.error !== null && <ErrorNotice error={items.error} title="The snapshot's items could not be listed" />}
        {items.isPending ? (
          <calcite-loader label="Loading items" inline />
        ) : (
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
                {shown.map((item) => (
                  <ItemRow
                    key={item.id}
                    item={item}
                    checked={selected.has(item.id)}
                    onChange={(on) =>
                      setSelected((current) => {
                        const next = new Set(current);
                        if (on) next.add(item.id);
                        else next.delete(item.id);
                        return next;
                      })
                    }
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p className="restore-tally" role="status" aria-live="polite">
          {plural(chosen.length, 'item')} chosen
        </p>
      </section>

      <section className="panel" aria-labelledby={modeHeading}>
        <h2 id={modeHeading}>2. How</h2>
        <fieldset className="mode-choices">
          <legend className="visually-hidden">Restore mode</legend>
          {MODES.map((m) => (
            <label key={m.value} className="mode-choice">
              <input type="radio" name="mode" value={m.value} checked={mode === m.value} onChange={() => setMode(m.value)} disabled={m.value === 'clone' && identities.length < 2} />
              <span>
                <b>{m.label}</b>
                <span className="mode-help">{m.value === 'clone' && identities.length < 2 ? 'Add and connect another identity to clone into it.' : m.help}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {fieldError(error, 'mode') && <Notice kind="danger" title="Mode">{fieldError(error, 'mode')}</Notice>}
        {(mode === 'copy' || mode === 'clone') && (
          <div className="mode-options">
            <FormField name="owner" label="Owner" help="Username that will own the restored items; empty keeps the original (mapped) owner." value={owner} onValueChange={setOwner} error={fieldError(error, 'owner')} />
            <FormField name="folder" label="Folder" help="Folder for the restored items, created when missing; empty keeps the original folder." value={folder} onValueChange={setFolder} error={fieldError(error, 'folder')} />
            {mode === 'copy' && <FormField name="suffix" label="Title suffix" help="Added to the titles of the copies." value={suffix} onValueChange={setSuffix} error={fieldError(error, 'suffix')} />}
          </div>
        )}
        {mode === 'clone' && (
          <div className="mode-options">
            <calcite-select label="Clone into" labelText="Clone into" value={target} oncalciteSelectChange={(event) => setTarget(event.target.value)}>
              {identities
                .filter((i) => i.id !== identity.id)
                .map((i) => (
                  <calcite-option key={i.id} value={i.id} label={i.name} selected={i.id === target}>
                    {i.name}
                  </calcite-option>
                ))}
            </calcite-select>
            {fieldError(error, 'targetIdentityId') && <Notice kind="danger" title="Clone into">{fieldError(error, 'targetIdentityId')}</Notice>}
            {owners.length > 0 && (
              <fieldset className="owner-map">
                <legend>Owner mapping</legend>
                <p className="mode-help">Each owner in the backup becomes this user in the target organization. Empty: a user with the same username.</p>
                {owners.map((from) => (
                  <FormField
                    key={from}
                    name={`ownerMap.${from}`}
                    label={`Owner for ${from}`}
                    help={`Target username for the items of ${from}.`}
                    value={ownerMap[from] ?? ''}
                    onValueChange={(value) => setOwnerMap((current) => ({ ...current, [from]: value }))}
                  />
                ))}
                {fieldError(error, 'ownerMap') && <Notice kind="danger" title="Owner mapping">{fieldError(error, 'ownerMap')}</Notice>}
              </fieldset>
            )}
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby={planHeading}>
        <h2 id={planHeading}>3. Plan and run</h2>
        <div className="restore-actions">
          <calcite-button appearance="outline" iconStart="list-check" loading={preview.isPending} disabled={chosen.length === 0 || preview.isPending} onClick={() => preview.mutate()}>
            Preview the plan
          </calcite-button>
          <calcite-button iconStart="reset" loading={run.isPending} disabled={!planIsCurrent || run.isPending || operationId !== null} onClick={() => run.mutate()}>
            Restore now
          </calcite-button>
          {chosen.length === 0 && <span className="mode-help">Choose at least one item.</span>}
          {chosen.length > 0 && !planIsCurrent && <span className="mode-help">Preview the plan for these choices first (a dry run: nothing is changed).</span>}
        </div>
        {error !== null && <ErrorNotice error={error} title={run.error ? 'The restore did not start' : 'The plan could not be made'} />}
        {plan && <PlanView plan={plan.plan} stale={!planIsCurrent} />}
        {operationId && (
          <>
            <OperationProgress key={operationId} operationId={operationId} title="Restore" canCancel />
            <RestoreResult operationId={operationId} />
          </>
        )}
      </section>
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

const ACTION_LABELS = { create: 'Create', overwrite: 'Overwrite', skip: 'Skip' } as const;

function PlanView({ plan, stale }: { plan: RestorePlan; stale: boolean }) {
  return (
    <div className="restore-plan" data-testid="restore-plan">
      {stale && (
        <Notice kind="warning" title="The choices changed">
          This plan was made for earlier choices. Preview the plan again before restoring.
        </Notice>
      )}
      <p className="plan-summary">
        Into {plan.target.portalUrl} as {plan.target.admin}: {formatCount(plan.counts.create)} to create, {formatCount(plan.counts.overwrite)} to overwrite,{' '}
        {formatCount(plan.counts.skip)} to skip.
      </p>
      <div className="table-scroll">
        <table className="data-table plan-table">
          <caption className="visually-hidden">Restore plan</caption>
          <thead>
            <tr>
              <th scope="col">Action</th>
              <th scope="col">What</th>
              <th scope="col">Owner and folder</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {plan.steps.map((step) => (
              <tr key={step.key} data-step={step.key} data-action={step.action}>
                <td>{ACTION_LABELS[step.action]}</td>
                <td>
                  <PlainText text={step.title} fallback="(no title)" /> <span className="cell-note">{step.kind === 'item' ? <PlainText text={step.type} /> : step.kind}</span>
                </td>
                <td>
                  <PlainText text={step.owner} />
                  {step.folder && (
                    <>
                      {' / '}
                      <PlainText text={step.folder} />
                    </>
                  )}
                </td>
                <td>
                  <PlainText text={step.reason} />
                  {(step.warnings ?? []).map((warning, i) => (
                    <div key={i} className="cell-error">
                      <PlainText text={warning} />
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** Once the restore has finished: what each step did, with the new item ids. */
function RestoreResult({ operationId }: { operationId: string }) {
  const client = useApiClient();
  const operation = useOperation(operationId);
  const finished = operation.data ? !['queued', 'running'].includes(operation.data.status) : false;
  const steps = useQuery({ queryKey: ['restores', operationId, 'steps'], queryFn: ({ signal }) => restoreSteps(client, operationId, signal), enabled: finished });
  if (!finished || !steps.data) return null;
  return (
    <div className="table-scroll restore-result">
      <table className="data-table">
        <caption>What the restore did</caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Status</th>
            <th scope="col">New ID</th>
            <th scope="col" className="num">Time</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {steps.data.steps.map((step) => (
            <tr key={step.key} data-step={step.key}>
              <td>
                {ACTION_LABELS[step.action]} <PlainText text={step.title} fallback="(no title)" />
              </td>
              <td>
                <StatusBadge status={step.status} />
              </td>
              <td>{step.newId ?? ''}</td>
              <td className="num">{formatDuration(step.durationMs)}</td>
              <td>{step.error ? <PlainText text={step.error} /> : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
