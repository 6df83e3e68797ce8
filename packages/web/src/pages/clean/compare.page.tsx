// Two scans of one type side by side: what the later one found that the earlier did not (new), what is gone (resolved)
// and what both found (still open).
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { cleanKeys, compareScans } from '../../api/clean.api';
import { useApiClient } from '../../app/api-context';
import { BackLink } from '../../components/back-link';
import { useSelectedIdentity } from '../../components/identity-picker';
import { ErrorNotice } from '../../components/notice';
import { formatCount, formatDateTime } from '../../components/units';
import { cleanLinks } from './clean-links';
import { FindingsTable } from './findings-table';
import { useScanTypes } from './scan-types';
import '@esri/calcite-components/components/calcite-segmented-control';
import '@esri/calcite-components/components/calcite-segmented-control-item';

type Group = 'new' | 'resolved' | 'open';
const GROUPS: { value: Group; label: string; help: string }[] = [
  { value: 'new', label: 'New', help: 'Found by the later scan only.' },
  { value: 'resolved', label: 'Resolved', help: 'Found by the earlier scan only: fixed, removed or allowlisted since.' },
  { value: 'open', label: 'Still open', help: 'Found by both scans.' }
];

export function ComparePage() {
  const [params] = useSearchParams();
  const selection = useSelectedIdentity();
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  if (selection.error) return <ErrorNotice error={selection.error} title="The identities could not be loaded" />;
  if (!selection.identity) return <calcite-loader label="Loading" inline />;
  return <Comparison identityId={selection.identity.id} from={from} to={to} />;
}

function Comparison({ identityId, from, to }: { identityId: string; from: string; to: string }) {
  const client = useApiClient();
  const [group, setGroup] = useState<Group>('new');
  const comparison = useQuery({
    queryKey: cleanKeys.compare(identityId, from, to),
    queryFn: ({ signal }) => compareScans(client, identityId, from, to, signal),
    enabled: from !== '' && to !== ''
  });
  const types = useScanTypes();
  const data = comparison.data;
  const title = data ? (types.data?.find((t) => t.type === data.from.type)?.title ?? data.from.type) : '';
  return (
    <div className="page clean-page">
      <BackLink to={cleanLinks.home(identityId)}>Clean</BackLink>
      <header className="page-header">
        <h1>Compare scans{title ? `: ${title}` : ''}</h1>
        {data && (
          <p>
            <Link className="text-link" to={cleanLinks.scan(identityId, data.from.id)}>
              {formatDateTime(data.from.startedAt)}
            </Link>{' '}
            compared with{' '}
            <Link className="text-link" to={cleanLinks.scan(identityId, data.to.id)}>
              {formatDateTime(data.to.startedAt)}
            </Link>
          </p>
        )}
      </header>
      {(from === '' || to === '') && <ErrorNotice error={new Error('Choose two scans to compare in the scan history on the Clean page.')} title="Two scans are needed" />}
      {comparison.error !== null && <ErrorNotice error={comparison.error} title="The scans could not be compared" />}
      {comparison.isFetching && !data && <calcite-loader label="Comparing the scans" inline />}
      {data && (
        <>
          <calcite-segmented-control label="Show findings" oncalciteSegmentedControlChange={(event) => setGroup(event.target.value as Group)}>
            {GROUPS.map((g) => (
              <calcite-segmented-control-item key={g.value} value={g.value} checked={group === g.value}>
                {g.label} ({formatCount(data.counts[g.value])})
              </calcite-segmented-control-item>
            ))}
          </calcite-segmented-control>
          <p className="cell-note">{GROUPS.find((g) => g.value === group)?.help}</p>
          {data[group].length === 0 ? (
            <p className="empty-note">None.</p>
          ) : (
            <FindingsTable findings={data[group]} caption={`${GROUPS.find((g) => g.value === group)?.label} findings`} />
          )}
        </>
      )}
    </div>
  );
}
