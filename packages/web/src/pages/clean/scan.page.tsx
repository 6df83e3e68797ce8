// One scan: what it looked for and what it found. The findings table filters, sorts and pages on the server; findings
// selected across pages can be fixed in bulk (preview first) or allowlisted with a reason; the findings export as CSV;
// the fixes made on this scan are listed with their status.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import {
  allowlistFinding,
  cleanKeys,
  type Finding,
  type FindingFilter,
  type FindingSort,
  findingsCsvUrl,
  getScan,
  listFindings,
  listFixes,
  listScanTypes,
  type Scan,
  type Severity,
  type TargetKind
} from '../../api/clean.api';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { type FilterChoice, FilterSelect } from '../../components/filter-select';
import { useSelectedIdentity } from '../../components/identity-picker';
import { ErrorNotice, Notice } from '../../components/notice';
import { canOperate } from '../../components/roles';
import { StatusBadge } from '../../components/status-badge';
import { formatCount, formatDateTime, plural } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import { cleanLinks } from './clean-links';
import { humanize } from './labels';
import { downloadCsv } from './download';
import { fixActionLabel } from './fix-actions';
import { FixPanel } from './fix-panel';
import { FindingsTable } from './findings-table';
import { TextField } from './option-fields';
import { describeOptions } from './option-values';

const SEVERITY_CHOICES: FilterChoice<Severity>[] = [
  { value: 'critical', label: 'Critical' },
  { value: 'warning', label: 'Warning' },
  { value: 'info', label: 'Info' }
];
const KIND_CHOICES: FilterChoice<TargetKind>[] = [
  { value: 'item', label: 'Items' },
  { value: 'user', label: 'Users' },
  { value: 'group', label: 'Groups' }
];

const PAGE_SIZE = 100;

export function ScanPage() {
  const { scanId = '' } = useParams();
  const selection = useSelectedIdentity();
  const identity = selection.identity;
  if (selection.error) return <ErrorNotice error={selection.error} title="The identities could not be loaded" />;
  if (!identity) return <calcite-loader label="Loading" inline />;
  return <ScanView key={`${identity.id}.${scanId}`} identityId={identity.id} identityName={identity.name} scanId={scanId} />;
}

function ScanView({ identityId, identityName, scanId }: { identityId: string; identityName: string; scanId: string }) {
  const client = useApiClient();
  const scan = useQuery({
    queryKey: cleanKeys.scan(identityId, scanId),
    queryFn: ({ signal }) => getScan(client, identityId, scanId, signal),
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 2000 : false)
  });
  const types = useQuery({ queryKey: cleanKeys.scanTypes, queryFn: ({ signal }) => listScanTypes(client, signal), staleTime: Infinity });
  const info = types.data?.find((t) => t.type === scan.data?.type);
  const title = info ? `${info.title} scan` : 'Scan';
  return (
    <div className="page clean-page">
      <p className="back-link">
        <Link className="text-link" to={cleanLinks.home(identityId)}>
          ← Clean
        </Link>
      </p>
      <header className="page-header">
        <h1>{title}</h1>
        {scan.data && (
          <p>
            {identityName} · started {formatDateTime(scan.data.startedAt)} by {scan.data.createdBy}
          </p>
        )}
      </header>
      {scan.error !== null && <ErrorNotice error={scan.error} title="The scan could not be loaded" />}
      {scan.isPending && <calcite-loader label="Loading the scan" inline />}
      {scan.data && <ScanSummary scan={scan.data} optionsText={describeOptions(info?.options, scan.data.options)} />}
      {scan.data?.status === 'succeeded' && <Findings identityId={identityId} scan={scan.data} />}
      {scan.data && <FixHistory identityId={identityId} scanId={scan.data.id} />}
    </div>
  );
}

function ScanSummary({ scan, optionsText }: { scan: Scan; optionsText: string }) {
  const summary = Object.entries(scan.summary ?? {}).filter(([key, value]) => key !== 'problems' && (typeof value === 'number' || typeof value === 'string'));
  const problems = Array.isArray(scan.summary?.problems) ? (scan.summary.problems as unknown[]) : [];
  return (
    <>
      <dl className="operation-summary clean-summary">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={scan.status} />
          </dd>
        </div>
        <div>
          <dt>Findings</dt>
          <dd data-testid="scan-findings">{formatCount(scan.findings)}</dd>
        </div>
        <div>
          <dt>Allowlisted (not shown)</dt>
          <dd>{formatCount(scan.allowlisted)}</dd>
        </div>
        <div>
          <dt>Requests to ArcGIS</dt>
          <dd>{formatCount(scan.requests)}</dd>
        </div>
        <div>
          <dt>Options</dt>
          <dd>{optionsText || 'Defaults'}</dd>
        </div>
        {summary.map(([key, value]) => (
          <div key={key}>
            <dt>{humanize(key)}</dt>
            <dd>
              <PlainText text={typeof value === 'number' ? formatCount(value) : value} />
            </dd>
          </div>
        ))}
      </dl>
      {scan.message && scan.status !== 'succeeded' && (
        <Notice kind={scan.status === 'running' ? 'info' : 'danger'} title={scan.status === 'running' ? 'Still running' : 'The scan did not finish'}>
          <PlainText text={scan.message} />
        </Notice>
      )}
      {problems.length > 0 && (
        <Notice kind="warning" title="Some things could not be read">
          <ul className="plain-list">
            {problems.slice(0, 10).map((problem, index) => (
              <li key={index}>
                <PlainText text={typeof problem === 'string' ? problem : JSON.stringify(problem)} />
              </li>
            ))}
          </ul>
        </Notice>
      )}
    </>
  );
}

function Findings({ identityId, scan }: { identityId: string; scan: Scan }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const operator = canOperate(useCurrentUser());
  const [q, setQ] = useState('');
  const [severity, setSeverity] = useState<Severity | ''>('');
  const [kind, setKind] = useState<TargetKind | ''>('');
  const [owner, setOwner] = useState('');
  const [sort, setSort] = useState<{ field: FindingSort; order: 'asc' | 'desc' }>({ field: 'title', order: 'asc' });
  const [start, setStart] = useState(1);
  // Chosen findings, kept across pages and filters (by id, with the finding for the fix panel).
  const [selected, setSelected] = useState<Map<string, Finding>>(new Map());
  const [panel, setPanel] = useState<'none' | 'fix' | 'allowlist'>('none');
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | null>(null);

  const filter: FindingFilter = {
    ...(q.trim() ? { q: q.trim() } : {}),
    ...(severity ? { severity } : {}),
    ...(kind ? { kind } : {}),
    ...(owner.trim() ? { owner: owner.trim() } : {}),
    sort: sort.field,
    order: sort.order,
    start,
    num: PAGE_SIZE
  };
  const page = useQuery({
    queryKey: cleanKeys.findings(identityId, scan.id, filter),
    queryFn: ({ signal }) => listFindings(client, identityId, scan.id, filter, signal),
    placeholderData: (previous) => previous
  });
  const findings = page.data?.findings ?? [];

  const refilter = <T,>(set: (value: T) => void) => (value: T) => {
    set(value);
    setStart(1);
  };
  const toggle = (finding: Finding, on: boolean) =>
    setSelected((current) => {
      const next = new Map(current);
      if (on) next.set(finding.id, finding);
      else next.delete(finding.id);
      return next;
    });
  const togglePage = (on: boolean) =>
    setSelected((current) => {
      const next = new Map(current);
      for (const finding of findings) {
        if (on) next.set(finding.id, finding);
        else next.delete(finding.id);
      }
      return next;
    });
  const onSort = (field: FindingSort) => {
    setSort((current) => ({ field, order: current.field === field && current.order === 'asc' ? 'desc' : 'asc' }));
    setStart(1);
  };

  // Every finding the filters match, read page by page (the server pages by up to 1,000), added to the selection.
  const selectAll = useMutation({
    mutationFn: async () => {
      const all: Finding[] = [];
      for (let next = 1; next > 0; ) {
        const chunk = await listFindings(client, identityId, scan.id, { ...filter, start: next, num: 1000 });
        all.push(...chunk.findings);
        next = chunk.nextStart;
      }
      return all;
    },
    onSuccess: (all) =>
      setSelected((current) => {
        const next = new Map(current);
        for (const finding of all) next.set(finding.id, finding);
        return next;
      })
  });

  const exportCsv = useMutation({ mutationFn: () => downloadCsv(findingsCsvUrl(identityId, scan.id), `scan-${scan.type}-${scan.id.slice(0, 8)}.csv`) });

  const allowlist = useMutation({
    mutationFn: async (input: { reason: string; findings: Finding[] }) => {
      // One entry per finding; the ones that worked are kept even if a later one fails.
      const done: string[] = [];
      for (const finding of input.findings) {
        await allowlistFinding(client, identityId, scan.id, finding.id, input.reason);
        done.push(finding.id);
      }
      return done;
    },
    onSuccess: (done) => {
      setNotice(`${plural(done.length, 'finding')} allowlisted. The next ${scan.type} scan will not report ${done.length === 1 ? 'it' : 'them'}.`);
      setSelected(new Map());
      setPanel('none');
      setReason('');
      void queryClient.invalidateQueries({ queryKey: cleanKeys.allowlist(identityId) });
    }
  });
  const submitAllowlist = () => {
    if (reason.trim() === '') {
      setReasonError('Say why these findings may stay, so others know later.');
      return;
    }
    setReasonError(undefined);
    allowlist.mutate({ reason: reason.trim(), findings: [...selected.values()] });
  };

  const total = page.data?.total ?? 0;
  const last = Math.min(total, start + findings.length - 1);

  return (
    <section className="clean-findings" aria-labelledby="findings-heading">
      <h2 id="findings-heading">Findings</h2>
      <div className="filter-row" role="search" aria-label="Filter the findings">
        <TextField name="q" label="Search" help="Text in the title, id or problem." value={q} onChange={refilter(setQ)} />
        <FilterSelect label="Severity" anyLabel="Any severity" value={severity} choices={SEVERITY_CHOICES} onChange={refilter(setSeverity)} />
        <FilterSelect label="Kind" anyLabel="Items, users and groups" value={kind} choices={KIND_CHOICES} onChange={refilter(setKind)} />
        <TextField name="owner" label="Owner" help="A username, exactly." value={owner} onChange={refilter(setOwner)} />
        <calcite-button appearance="outline" iconStart="download" loading={exportCsv.isPending} disabled={exportCsv.isPending} onClick={() => exportCsv.mutate()}>
          Export CSV
        </calcite-button>
      </div>
      {exportCsv.error !== null && <ErrorNotice error={exportCsv.error} title="The CSV could not be exported" />}
      {selectAll.error !== null && <ErrorNotice error={selectAll.error} title="The matching findings could not be selected" />}
      {notice && (
        <Notice kind="success" title="Allowlisted" announce>
          {notice}
        </Notice>
      )}

      <div className="clean-selection-bar" role="toolbar" aria-label="Selected findings">
        <span data-testid="selected-findings" aria-live="polite">
          {plural(selected.size, 'finding')} selected
        </span>
        {operator && (
          <>
            <calcite-button iconStart="wrench" disabled={selected.size === 0} onClick={() => setPanel('fix')}>
              Fix selected
            </calcite-button>
            <calcite-button appearance="outline" iconStart="check-shield" disabled={selected.size === 0} onClick={() => setPanel('allowlist')}>
              Allowlist selected
            </calcite-button>
          </>
        )}
        {total > findings.length && (
          <calcite-button appearance="outline" loading={selectAll.isPending} disabled={selectAll.isPending} onClick={() => selectAll.mutate()}>
            Select all {formatCount(total)} matching
          </calcite-button>
        )}
        <calcite-button appearance="transparent" disabled={selected.size === 0} onClick={() => setSelected(new Map())}>
          Clear selection
        </calcite-button>
      </div>

      {panel === 'fix' && selected.size > 0 && (
        <FixPanel
          key={[...selected.keys()].sort().join(',')}
          identityId={identityId}
          scanId={scan.id}
          findings={[...selected.values()]}
          onClose={() => setPanel('none')}
          onApplied={(fixId) => {
            void queryClient.invalidateQueries({ queryKey: cleanKeys.fixes(identityId, scan.id) });
            navigate(cleanLinks.fix(identityId, fixId));
          }}
        />
      )}
      {panel === 'allowlist' && selected.size > 0 && (
        <section className="panel clean-allowlist-panel" aria-labelledby="allowlist-panel-heading">
          <h2 id="allowlist-panel-heading">Allowlist {plural(selected.size, 'finding')}</h2>
          <p className="cell-note">Later scans of this organization will not report these findings again. Remove them from the allowlist on the Clean page to have them reported again.</p>
          <form
            aria-label="Allowlist"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              submitAllowlist();
            }}
          >
            <TextField name="reason" label="Reason" help="Why these may stay, e.g. 'Kept for the annual report'." value={reason} error={reasonError} required onChange={setReason} />
            {allowlist.error !== null && <ErrorNotice error={allowlist.error} title="Not every finding could be allowlisted" />}
            <div className="clean-actions">
              <calcite-button iconStart="check" loading={allowlist.isPending} disabled={allowlist.isPending} onClick={submitAllowlist}>
                Add to allowlist
              </calcite-button>
              <calcite-button appearance="transparent" onClick={() => setPanel('none')}>
                Cancel
              </calcite-button>
            </div>
          </form>
        </section>
      )}

      {page.error !== null && <ErrorNotice error={page.error} title="The findings could not be loaded" />}
      {page.isPending && <calcite-loader label="Loading the findings" inline />}
      {page.data && total === 0 && (
        <p className="empty-note">{scan.findings === 0 ? 'This scan found nothing to report.' : 'No finding matches these filters.'}</p>
      )}
      {page.data && total > 0 && (
        <>
          <FindingsTable
            findings={findings}
            caption={`Findings of the scan, ${formatCount(start)} to ${formatCount(last)} of ${formatCount(total)}`}
            selection={{ selected: new Set(selected.keys()), toggle, togglePage }}
            sort={{ ...sort, onSort }}
            busy={page.isPlaceholderData}
          />
          <div className="pager">
            <span>
              {formatCount(start)}–{formatCount(last)} of {formatCount(total)}
            </span>
            <calcite-button appearance="outline" iconStart="chevron-left" disabled={start <= 1} onClick={() => setStart(Math.max(1, start - PAGE_SIZE))}>
              Previous page
            </calcite-button>
            <calcite-button appearance="outline" iconEnd="chevron-right" disabled={page.data.nextStart < 0} onClick={() => setStart(page.data.nextStart)}>
              Next page
            </calcite-button>
          </div>
        </>
      )}
    </section>
  );
}

function FixHistory({ identityId, scanId }: { identityId: string; scanId: string }) {
  const client = useApiClient();
  const fixes = useQuery({
    queryKey: cleanKeys.fixes(identityId, scanId),
    queryFn: ({ signal }) => listFixes(client, identityId, { scanId, limit: 100 }, signal),
    refetchInterval: (q) => (q.state.data?.some((f) => f.status === 'queued' || f.status === 'running' || f.undo?.status === 'running') ? 2000 : false)
  });
  if (fixes.error) return <ErrorNotice error={fixes.error} title="The fixes of this scan could not be loaded" />;
  if (!fixes.data || fixes.data.length === 0) return null;
  return (
    <section className="panel clean-fixes" aria-labelledby="fixes-heading">
      <h2 id="fixes-heading">Fixes on this scan</h2>
      <div className="table-scroll">
        <table className="data-table">
          <caption className="visually-hidden">Fixes made on this scan's findings, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Fix</th>
              <th scope="col">When</th>
              <th scope="col">Status</th>
              <th scope="col">Results</th>
              <th scope="col">Undo</th>
            </tr>
          </thead>
          <tbody>
            {fixes.data.map((fix) => (
              <tr key={fix.id} data-fix-id={fix.id}>
                <td>
                  <Link className="text-link" to={cleanLinks.fix(identityId, fix.id)}>
                    {fixActionLabel(fix.action)}
                  </Link>
                </td>
                <td>
                  {formatDateTime(fix.createdAt)} by {fix.createdBy}
                </td>
                <td>
                  <StatusBadge status={fix.status} />
                </td>
                <td>
                  {formatCount(fix.counts.ok)} ok · {formatCount(fix.counts.failed)} failed · {formatCount(fix.counts.skipped)} skipped
                </td>
                <td>{fix.undo ? <StatusBadge status={fix.undo.status} /> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
