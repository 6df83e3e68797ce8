// What ArcGIS Online's recycle bin means for deletes, their undo, and restores, for the identity a page works on: the
// Clean fix panel shows it for the delete action, the Restore page above its wizard. It asks only `portals/self` (via
// the recycle bin status route), so it is cheap to show.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { getRecycleBinStatus, recycleBinKeys } from '../api/recycle-bin.api';
import { useApiClient } from '../app/api-context';
import { Notice } from './notice';

export function RecycleBinNote({ identityId, context }: { identityId: string; context: 'delete' | 'restore' }) {
  const client = useApiClient();
  const status = useQuery({ queryKey: recycleBinKeys.status(identityId), queryFn: ({ signal }) => getRecycleBinStatus(client, identityId, signal), staleTime: 60_000 });
  const bin = status.data;
  // Not known (yet, or the organization cannot be reached): the page's own errors say why; nothing to explain here.
  if (!bin) return null;
  const link = <Link to={`/recycle-bin?identity=${encodeURIComponent(identityId)}`}>Recycle bin</Link>;
  if (bin.isEnterprise) {
    return (
      <Notice kind="info" title="No recycle bin on ArcGIS Enterprise">
        {context === 'delete'
          ? 'Deletes are permanent. Undo recreates the items from the backup taken before the fix, keeping their ids.'
          : 'Deleted items are recreated from the snapshot, keeping their ids.'}
      </Notice>
    );
  }
  if (bin.enabled) {
    return (
      <Notice kind="info" title="The organization's recycle bin is on" icon="trash">
        {context === 'delete' ? (
          <>
            Deleted items go to the recycle bin for at least 14 days, unless you delete them permanently or ArcGIS does not take their type
            (the preview says per item). Undo restores them from the bin with their ids, so the maps and apps that use them work again,
            then puts back their sharing and categories from the backup taken first. An item purged from the bin by then is recreated
            from that backup with a new id. See the {link}.
          </>
        ) : (
          <>
            Deleted items still in the recycle bin are restored from it with their ids, then brought to the snapshot's state (sharing and
            categories included); the plan says which. Items no longer in the bin are recreated with new ids. See the {link}.
          </>
        )}
      </Notice>
    );
  }
  return (
    <Notice kind="warning" title={bin.supported ? 'The organization\u2019s recycle bin is off' : 'This organization has no recycle bin'} icon="trash">
      {context === 'delete'
        ? 'Deletes are permanent. Undo recreates the items from the backup taken first, with new ids (references to them are rewritten).'
        : 'Deleted items are recreated from the snapshot with new ids (references to them are rewritten).'}
      {bin.supported && <> Items the bin held before it was switched off are still listed in the {link}.</>}
    </Notice>
  );
}
