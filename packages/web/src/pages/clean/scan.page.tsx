// One scan: what it looked for and what it found. Its findings (findings.tsx) filter, sort and page on the server;
// findings selected across pages can be fixed in bulk (preview first) or allowlisted with a reason; the findings export
// as CSV; the fixes made on this scan are listed with their status (fix-history.tsx).
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { cleanKeys, getScan, type Scan } from '../../api/clean.api';
import { useApiClient } from '../../app/api-context';
import { BackLink } from '../../components/back-link';
import { useSelectedIdentity } from '../../components/identity-picker';
import { ErrorNotice, Notice } from '../../components/notice';
import { StatusBadge } from '../../components/status-badge';
import { formatCount, formatDateTime } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import { cleanLinks } from './clean-links';
import { Findings } from './findings';
import { FixHistory } from './fix-history';
import { humanize } from './labels';
import { describeOptions } from './option-values';
import { useScanTypes } from './scan-types';
import { sizesFromText } from './scan-sizes';

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
  const types = useScanTypes();
  const info = types.data?.find((t) => t.type === scan.data?.type);
  const title = info ? `${info.title} scan` : 'Scan';
  return (
    <div className="page clean-page">
      <BackLink to={cleanLinks.home(identityId)}>Clean</BackLink>
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
  const sizes = sizesFromText(scan.summary);
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
        {sizes && (
          <div>
            <dt>Item sizes</dt>
            <dd data-testid="scan-sizes-from">{sizes.text}</dd>
          </div>
        )}
      </dl>
      {sizes && sizes.unknown > 0 && (
        <Notice kind="warning" title="Some item sizes are not known">
          ArcGIS search does not give item sizes, so they are read from each owner's content listing, and for items no listing
          gives, from the item itself up to the scan's size lookup limit. {formatCount(sizes.unknown)} items had neither and count
          as 0 bytes: raise <b>Items asked for their size</b> or check that the identity can list every owner's content.
        </Notice>
      )}
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
