// The identity's scan history, newest first (read again while one runs): open a scan, or choose two finished scans of
// one type to compare them.
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { cleanKeys, listScans, type Scan, type ScanType, type ScanTypeInfo } from '../../api/clean.api';
import type { Identity } from '../../api/identities.api';
import { useApiClient } from '../../app/api-context';
import { DataTable } from '../../components/data-table';
import { FilterSelect } from '../../components/filter-select';
import { ErrorNotice } from '../../components/notice';
import { StatusBadge } from '../../components/status-badge';
import { formatCount, formatDateTime } from '../../components/units';
import { cleanLinks } from './clean-links';
import { describeOptions } from './option-values';

export function ScanHistory({ identity, scanTypes }: { identity: Identity; scanTypes: ScanTypeInfo[] }) {
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
        <ScanTable identity={identity} scans={scans.data} scanTypes={scanTypes} titleOf={titleOf} chosen={chosen} onToggle={toggle} />
      )}
    </section>
  );
}

interface ScanTableProps {
  identity: Identity;
  scans: Scan[];
  scanTypes: ScanTypeInfo[];
  titleOf: (type: string) => string;
  /** The scans chosen to compare (two at most). */
  chosen: string[];
  onToggle: (id: string, on: boolean) => void;
}

function ScanTable({ identity, scans, scanTypes, titleOf, chosen, onToggle }: ScanTableProps) {
  return (
    <DataTable caption={`Scans of ${identity.name}, newest first`} columns={['Compare', 'Scan', 'Started', 'Status', { name: 'Findings', numeric: true }, { name: 'Allowlisted', numeric: true }, 'Options', 'By']} className="clean-history-table">
      {scans.map((scan) => (
        <tr key={scan.id} data-scan-id={scan.id} data-scan-type={scan.type}>
          <td>
            <input
              type="checkbox"
              aria-label={`Compare the ${titleOf(scan.type)} scan of ${formatDateTime(scan.startedAt)}`}
              checked={chosen.includes(scan.id)}
              disabled={scan.status !== 'succeeded'}
              onChange={(event) => onToggle(scan.id, event.target.checked)}
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
    
    </DataTable>
  );
}
