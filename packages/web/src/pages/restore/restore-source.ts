// Step 1 of a restore as state: the identity's snapshots (newest first), the snapshot chosen (in the URL, so a link
// from the Backups page opens it with its item chosen), its items, and the items chosen among them.
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { backupKeys, listAllSnapshotItems, listSnapshots } from '../../api/backup.api';
import type { Identity } from '../../api/identities.api';
import { useApiClient } from '../../app/api-context';

export function useRestoreSource(identity: Identity) {
  const client = useApiClient();
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
  const chosen = useMemo(() => (items.data ?? []).filter((item) => selected.has(item.id)), [items.data, selected]);

  /** Another snapshot: its items start unchosen. */
  const chooseSnapshot = (id: string) => {
    setParams((current) => {
      const next = new URLSearchParams(current);
      next.set('snapshot', id);
      next.delete('item');
      return next;
    });
    setSelected(new Set());
  };

  return { snapshots, list, snapshotId, items, selected, setSelected, chosen, chooseSnapshot };
}

export type RestoreSource = ReturnType<typeof useRestoreSource>;
