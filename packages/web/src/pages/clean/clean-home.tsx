// The Clean section's start: choose a scan type, set its options (a form generated from the type's option schema),
// run it now and follow it; scan history (open a scan, compare two of one type); the identity's allowlist.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { isApiError } from '../../api/api-client';
import {
  cleanKeys,
  listAllowlist,
  listScans,
  listScanTypes,
  removeAllowlistEntry,
  type Scan,
  type ScanType,
  type ScanTypeInfo,
  startScan
} from '../../api/clean.api';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { FilterSelect } from '../../components/filter-select';
import { IdentityPicker, useSelectedIdentity } from '../../components/identity-picker';
import { ErrorNotice, Notice } from '../../components/notice';
import { canOperate } from '../../components/roles';
import { StatusBadge } from '../../components/status-badge';
import { formatCount, formatDateTime } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import type { Identity } from '../../api/identities.api';
import { cleanLinks } from './clean-links';
import { untrustedLabel } from './labels';
import { OptionControl } from './option-fields';
import { describeOptions, type FormValues, initialValues, serverFieldErrors, toOptions } from './option-values';
import { ScanRun } from './scan-run';
import { ScanSchedules, ScheduleScanForm } from './scan-schedules';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';

export function CleanHome() {
  const selection = useSelectedIdentity();
  const identity = selection.identity;
  return (
    <div className="page clean-page">
      <header className="page-header">
        <h1>Clean</h1>
        <p>Scan an organization for clutter and risk, then fix what the scan found in bulk, with a preview first and Undo after.</p>
      </header>
      <div className="page-toolbar">
        <IdentityPicker selection={selection} help="The organization to scan." />
      </div>
      {identity && <CleanForIdentity key={identity.id} identity={identity} />}
    </div>
  );
}

function CleanForIdentity({ identity }: { identity: Identity }) {
  const client = useApiClient();
  const operator = canOperate(useCurrentUser());
  const types = useQuery({ queryKey: cleanKeys.scanTypes, queryFn: ({ signal }) => listScanTypes(client, signal), staleTime: Infinity });
  // The scan started last from this page (or by Run now on a schedule), so its progress is still shown after a reload.
  const [operationId, setOperationId] = useState<string | null>(() => sessionStorage.getItem(`${RUNNING_KEY}.${identity.id}`));
  useEffect(() => {
    if (operationId) sessionStorage.setItem(`${RUNNING_KEY}.${identity.id}`, operationId);
    else sessionStorage.removeItem(`${RUNNING_KEY}.${identity.id}`);
  }, [identity.id, operationId]);
  return (
    <>
      {types.error !== null && <ErrorNotice error={types.error} title="The scan types could not be loaded" />}
      {types.isPending && <calcite-loader label="Loading the scan types" inline />}
      {types.data && (
        <ScanLauncher identity={identity} scanTypes={types.data} operationId={operationId} onStarted={setOperationId} />
      )}
      {types.data && <ScanHistory identity={identity} scanTypes={types.data} />}
      {types.data && <ScanSchedules identityId={identity.id} scanTypes={types.data} operator={operator} onRun={setOperationId} />}
      <Allowlist identity={identity} />
    </>
  );
}

const RUNNING_KEY = 'orgkeeper.clean.running';

function ScanLauncher({
  identity,
  scanTypes,
  operationId,
  onStarted
}: {
  identity: Identity;
  scanTypes: ScanTypeInfo[];
  operationId: string | null;
  onStarted: (operationId: string | null) => void;
}) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const user = useCurrentUser();
  const operator = canOperate(user);
  const [type, setType] = useState<ScanType>(scanTypes[0]?.type ?? 'stale-items');
  const info = scanTypes.find((t) => t.type === type) ?? scanTypes[0];
  const [values, setValues] = useState<FormValues>(() => initialValues(info?.options ?? []));
  const [errors, setErrors] = useState<Record<string, string>>({});

  const chooseType = (next: ScanType) => {
    setType(next);
    setValues(initialValues(scanTypes.find((t) => t.type === next)?.options ?? []));
    setErrors({});
    start.reset();
  };

  const start = useMutation({
    mutationFn: (options: Record<string, unknown>) => startScan(client, identity.id, type, options as never),
    onSuccess: (started) => {
      onStarted(started.operationId);
      void queryClient.invalidateQueries({ queryKey: cleanKeys.scans(identity.id) });
    },
    onError: (error) => {
      if (isApiError(error) && info) setErrors(serverFieldErrors(error.fields, info.options.map((o) => o.name)).byName);
    }
  });

  if (!info) return <Notice kind="warning" title="No scan types">This server offers no scans.</Notice>;

  // The options as typed values, or null after showing what is wrong next to each control.
  const validOptions = () => {
    const result = toOptions(info.options, values);
    setErrors(result.errors);
    return Object.keys(result.errors).length > 0 ? null : result.options;
  };
  const run = () => {
    const options = validOptions();
    if (options) start.mutate(options);
  };
  const unexplained = start.error && isApiError(start.error) ? serverFieldErrors(start.error.fields, info.options.map((o) => o.name)).other : [];

  return (
    <section className="panel clean-launcher" aria-labelledby="clean-launch-heading">
      <h2 id="clean-launch-heading">Run a scan</h2>
      <form
        className="clean-scan-form"
        aria-label="Scan options"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          run();
        }}
      >
        <calcite-select label="Scan type" labelText="Scan type" value={type} oncalciteSelectChange={(event) => chooseType(event.target.value as ScanType)}>
          {scanTypes.map((t) => (
            <calcite-option key={t.type} value={t.type} label={t.title} selected={t.type === type}>
              {t.title}
            </calcite-option>
          ))}
        </calcite-select>
        <p className="clean-type-description">{info.description}</p>
        <fieldset className="clean-options">
          <legend>{info.title} options</legend>
          {info.options.length === 0 && <p className="empty-note">This scan has no options.</p>}
          {info.options.map((spec) => (
            <OptionControl
              key={`${info.type}.${spec.name}`}
              spec={spec}
              value={values[spec.name] ?? ''}
              error={errors[spec.name]}
              disabled={!operator}
              onChange={(value) => {
                setValues((current) => ({ ...current, [spec.name]: value }));
                setErrors(({ [spec.name]: _gone, ...rest }) => rest);
              }}
            />
          ))}
        </fieldset>
        {start.error !== null && (!isApiError(start.error) || Object.keys(start.error.fields).length === 0 || unexplained.length > 0) && (
          <ErrorNotice error={start.error} title="The scan could not be started" />
        )}
        {!operator && <Notice kind="info" title="Viewers cannot run scans">Ask an administrator or operator to run scans; you can look at scan history and findings.</Notice>}
        <div className="clean-actions">
          <calcite-button iconStart="play" disabled={!operator || start.isPending} loading={start.isPending} onClick={run}>
            Run scan now
          </calcite-button>
        </div>
      </form>
      {operationId && <ScanRun key={operationId} identityId={identity.id} operationId={operationId} onDismiss={() => onStarted(null)} />}
      <ScheduleScanForm key={info.type} identityId={identity.id} info={info} operator={operator} options={validOptions} />
    </section>
  );
}

function ScanHistory({ identity, scanTypes }: { identity: Identity; scanTypes: ScanTypeInfo[] }) {
  const client = useApiClient();
  const navigate = useNavigate();
  const [type, setType] = useState<ScanType | ''>('');
  const [chosen, setChosen] = useState<string[]>([]);
  const scans = useQuery({
    queryKey: [...cleanKeys.scans(identity.id), type],
    queryFn: ({ signal }) => listScans(client, identity.id, { ...(type ? { type } : {}), limit: 100 }, signal),
    refetchInterval: (query) => (query.state.data?.some((s) => s.status === 'running') ? 3000 : false)
  });
  const byId = useMemo(() => new Map((scans.data ?? []).map((s) => [s.id, s])), [scans.data]);
  const picked = chosen.map((id) => byId.get(id)).filter((s): s is Scan => s !== undefined);
  const comparable = picked.length === 2 && picked[0]!.type === picked[1]!.type && picked.every((s) => s.status === 'succeeded');
  const compareHint =
    picked.length < 2
      ? 'Choose two finished scans of the same type to compare them.'
      : !comparable
        ? 'Only two finished scans of the same type can be compared.'
        : 'Compare the two chosen scans: what is new, resolved, and still open.';
  const toggle = (id: string, on: boolean) => setChosen((current) => (on ? [...current.filter((c) => c !== id), id].slice(-2) : current.filter((c) => c !== id)));
  const titleOf = (t: string) => scanTypes.find((s) => s.type === t)?.title ?? t;

  const compare = () => {
    if (!comparable) return;
    // Older first: "new" means found by the later scan.
    const [older, newer] = [...picked].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    navigate(cleanLinks.compare(identity.id, older!.id, newer!.id));
  };

  return (
    <section className="panel clean-history" aria-labelledby="clean-history-heading">
      <h2 id="clean-history-heading">Scan history</h2>
      <div className="filter-row">
        <FilterSelect label="Show scans of type" anyLabel="Every type" value={type} choices={scanTypes.map((t) => ({ value: t.type, label: t.title }))} onChange={setType} />
        <calcite-button appearance="outline" iconStart="compare" disabled={!comparable} onClick={compare} title={compareHint}>
          Compare chosen scans
        </calcite-button>
        <span className="cell-note" aria-live="polite">
          {compareHint}
        </span>
      </div>
      {scans.error !== null && <ErrorNotice error={scans.error} title="The scan history could not be loaded" />}
      {scans.isPending && <calcite-loader label="Loading the scan history" inline />}
      {scans.data && scans.data.length === 0 && <p className="empty-note">No scans yet{type ? ' of this type' : ''}. Run one above.</p>}
      {scans.data && scans.data.length > 0 && (
        <div className="table-scroll">
          <table className="data-table clean-history-table">
            <caption className="visually-hidden">Scans of {identity.name}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Compare</th>
                <th scope="col">Scan</th>
                <th scope="col">Started</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Findings
                </th>
                <th scope="col" className="num">
                  Allowlisted
                </th>
                <th scope="col">Options</th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {scans.data.map((scan) => (
                <tr key={scan.id} data-scan-id={scan.id} data-scan-type={scan.type}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Compare the ${titleOf(scan.type)} scan of ${formatDateTime(scan.startedAt)}`}
                      checked={chosen.includes(scan.id)}
                      disabled={scan.status !== 'succeeded'}
                      onChange={(event) => toggle(scan.id, event.target.checked)}
                    />
                  </td>
                  <td>
                    <Link className="text-link" to={cleanLinks.scan(identity.id, scan.id)}>
                      {titleOf(scan.type)}
                    </Link>
                  </td>
                  <td>{formatDateTime(scan.startedAt)}</td>
                  <td>
                    <StatusBadge status={scan.status} />
                    {scan.status !== 'succeeded' && scan.message && <span className="cell-error">{scan.message}</span>}
                  </td>
                  <td className="num">{scan.status === 'succeeded' ? formatCount(scan.findings) : '—'}</td>
                  <td className="num">{scan.status === 'succeeded' ? formatCount(scan.allowlisted) : '—'}</td>
                  <td className="cell-note">{describeOptions(scanTypes.find((t) => t.type === scan.type)?.options, scan.options) || 'Defaults'}</td>
                  <td>{scan.createdBy}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Allowlist({ identity }: { identity: Identity }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const operator = canOperate(useCurrentUser());
  const entries = useQuery({ queryKey: cleanKeys.allowlist(identity.id), queryFn: ({ signal }) => listAllowlist(client, identity.id, signal) });
  const remove = useMutation({
    mutationFn: (entryId: string) => removeAllowlistEntry(client, identity.id, entryId),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: cleanKeys.allowlist(identity.id) })
  });
  return (
    <section className="panel clean-allowlist" aria-labelledby="clean-allowlist-heading">
      <h2 id="clean-allowlist-heading">Allowlist</h2>
      <p className="cell-note">Findings that later scans of this organization do not report again. Remove an entry to have it reported again.</p>
      {entries.error !== null && <ErrorNotice error={entries.error} title="The allowlist could not be loaded" />}
      {remove.error !== null && <ErrorNotice error={remove.error} title="The entry could not be removed" />}
      {entries.data && entries.data.length === 0 && <p className="empty-note">Nothing is allowlisted. Allowlist findings from a scan&apos;s findings table.</p>}
      {entries.data && entries.data.length > 0 && (
        <div className="table-scroll">
          <table className="data-table clean-allowlist-table">
            <caption className="visually-hidden">Allowlisted findings</caption>
            <thead>
              <tr>
                <th scope="col">What</th>
                <th scope="col">Scan type</th>
                <th scope="col">Reason</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.data.map((entry) => {
                const what = entry.target?.title ?? entry.target?.id ?? entry.findingKey ?? entry.id;
                return (
                  <tr key={entry.id} data-entry-id={entry.id}>
                    <td>
                      <PlainText text={what} fallback={entry.target?.id ?? '(unnamed)'} />
                      {entry.code && <span className="cell-note"> · {entry.code}</span>}
                    </td>
                    <td>{entry.scanType}</td>
                    <td>
                      <PlainText text={entry.reason} />
                    </td>
                    <td>
                      {formatDateTime(entry.addedAt)} by {entry.addedBy}
                    </td>
                    <td>
                      {operator && (
                        <calcite-button
                          appearance="transparent"
                          kind="danger"
                          iconStart="trash"
                          label={`Remove ${untrustedLabel(what)} from the allowlist`}
                          disabled={remove.isPending}
                          onClick={() => remove.mutate(entry.id)}
                        >
                          Remove
                        </calcite-button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
