// A backed-up item against the live item, part by part (properties, data, resources, sharing, thumbnail, metadata),
// and an in-place restore of only the parts picked. Values shown come from ArcGIS and the snapshot: untrusted text.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { operationKeys } from '../../api/operations.api';
import { getLiveDiff, type ItemPartName, type PartDiff, startRestore } from '../../api/restore.api';
import { useApiClient } from '../../app/api-context';
import { ErrorNotice, Notice } from '../../components/notice';
import { OperationProgress } from '../../components/operation-progress';
import { PlainText } from '../../components/untrusted-text';
import type { Identity } from '../../api/identities.api';

const PART_LABELS: Record<ItemPartName, string> = {
  item: 'Item properties',
  data: 'Data',
  resources: 'Resources',
  sharing: 'Sharing',
  thumbnail: 'Thumbnail',
  metadata: 'Metadata'
};

export interface LiveComparisonProps {
  identity: Identity;
  snapshotId: string;
  itemId: string;
}

export function LiveComparison({ identity, snapshotId, itemId }: LiveComparisonProps) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const headingId = useId();
  const [asked, setAsked] = useState(false);
  const [picked, setPicked] = useState<ItemPartName[]>([]);
  const [operationId, setOperationId] = useState<string | null>(null);
  const diff = useQuery({
    queryKey: ['live-diff', identity.id, snapshotId, itemId],
    queryFn: ({ signal }) => getLiveDiff(client, identity.id, snapshotId, itemId, signal),
    enabled: asked,
    staleTime: 0
  });
  const restore = useMutation({
    mutationFn: () => startRestore(client, identity.id, { snapshotId, mode: 'in-place', items: [itemId], parts: picked }),
    onSuccess: (result) => {
      queryClient.setQueryData(operationKeys.one(result.operationId), result.operation);
      void queryClient.invalidateQueries({ queryKey: operationKeys.all });
      setOperationId(result.operationId);
    }
  });
  const toggle = (part: ItemPartName, on: boolean) => setPicked((now) => (on ? [...new Set([...now, part])] : now.filter((p) => p !== part)));
  const compareAgain = () => {
    setOperationId(null);
    setPicked([]);
    if (asked) void diff.refetch();
    else setAsked(true);
  };

  return (
    <section className="item-section live-compare" aria-labelledby={headingId}>
      <h4 id={headingId}>Compared with the live item</h4>
      <calcite-button appearance="outline" iconStart="compare" loading={diff.isFetching} disabled={diff.isFetching} onClick={compareAgain}>
        {asked ? 'Compare again' : 'Compare with the live item'}
      </calcite-button>
      {diff.error && <ErrorNotice error={diff.error} title="The live item could not be compared" />}
      {diff.data?.live === 'deleted' && (
        <Notice kind="warning" title="The item no longer exists">
          Bring it back whole with a restore that recreates deleted items.
        </Notice>
      )}
      {diff.data && diff.data.live === 'exists' && (
        <>
          <table className="data-table live-compare-table" data-testid="live-compare">
            <thead>
              <tr>
                <th scope="col">Restore</th>
                <th scope="col">Part</th>
                <th scope="col">Live against the snapshot</th>
              </tr>
            </thead>
            <tbody>
              {diff.data.parts.map((part) => (
                <PartRow key={part.part} part={part} picked={picked.includes(part.part)} onPick={(on) => toggle(part.part, on)} />
              ))}
            </tbody>
          </table>
          <calcite-button iconStart="reset" loading={restore.isPending} disabled={picked.length === 0 || restore.isPending || operationId !== null} onClick={() => restore.mutate()}>
            Restore the selected parts
          </calcite-button>
          <p className="cell-note">Only the parts picked are written back to the live item, in place; the others stay as they are.</p>
        </>
      )}
      {restore.error && <ErrorNotice error={restore.error} title="The restore could not start" />}
      {operationId && <OperationProgress operationId={operationId} title="Restore of the selected parts" canCancel />}
    </section>
  );
}

function PartRow({ part, picked, onPick }: { part: PartDiff; picked: boolean; onPick: (on: boolean) => void }) {
  const label = PART_LABELS[part.part];
  return (
    <tr data-part={part.part} data-status={part.status}>
      <td>
        <input type="checkbox" aria-label={`Restore ${label.toLowerCase()}`} checked={picked} disabled={part.status === 'same'} onChange={(event) => onPick(event.target.checked)} />
      </td>
      <th scope="row">{label}</th>
      <td>
        {part.status === 'same' ? (
          'Same as in the snapshot'
        ) : (
          <ul className="plain-list">
            {part.changes.map((c, i) => (
              <li key={i}>
                <code>
                  <PlainText text={c.what} />
                </code>{' '}
                {c.how === 'changed' ? 'changed' : c.how === 'only live' ? 'added since the snapshot' : 'removed since the snapshot'}
                {c.how === 'changed' && (c.snapshot !== undefined || c.live !== undefined) && (
                  <>
                    : <PlainText text={shown(c.snapshot)} /> → <PlainText text={shown(c.live)} />
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}

/** A value on one line, at most 120 characters. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'none');
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
