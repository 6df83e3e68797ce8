// The fixes made on one scan's findings, newest first, with their results and undo status; read again while one runs.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { cleanKeys, listFixes } from '../../api/clean.api';
import { useApiClient } from '../../app/api-context';
import { DataTable } from '../../components/data-table';
import { ErrorNotice } from '../../components/notice';
import { StatusBadge } from '../../components/status-badge';
import { formatCount, formatDateTime } from '../../components/units';
import { cleanLinks } from './clean-links';
import { fixActionLabel } from './fix-actions';

export function FixHistory({ identityId, scanId }: { identityId: string; scanId: string }) {
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
      <DataTable caption="Fixes made on this scan's findings, newest first" columns={['Fix', 'When', 'Status', 'Results', 'Undo']}>
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
      
      </DataTable>
    </section>
  );
}
