// Confirms deleting an identity and says what happens to its backups: they stay on disk.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useApiClient } from '../../app/api-context';
import { ErrorNotice } from '../../components/notice';
import { deleteIdentity, type Identity, identitiesQueryKey } from '../../api/identities.api';
import '@esri/calcite-components/components/calcite-dialog';

export interface DeleteIdentityDialogProps {
  identity: Identity | null;
  onClose: () => void;
  onDeleted: (identity: Identity) => void;
}

export function DeleteIdentityDialog({ identity, onClose, onDeleted }: DeleteIdentityDialogProps) {
  const apiClient = useApiClient();
  const queryClient = useQueryClient();
  // The last identity stays rendered while the dialog animates closed.
  const [shown, setShown] = useState<Identity | null>(identity);
  useEffect(() => {
    if (identity) setShown(identity);
  }, [identity]);

  const remove = useMutation({
    mutationFn: (target: Identity) => deleteIdentity(apiClient, target.id),
    onSuccess: async (_result, target) => {
      await queryClient.invalidateQueries({ queryKey: identitiesQueryKey });
      onDeleted(target);
    }
  });

  if (!shown) return null;
  const heading = `Delete "${shown.name}"?`;
  return (
    <calcite-dialog
      open={identity !== null}
      modal
      kind="danger"
      heading={heading}
      label={heading}
      width="s"
      oncalciteDialogClose={() => {
        remove.reset();
        onClose();
      }}
    >
      <div className="delete-dialog-body">
        {remove.error !== null && <ErrorNotice error={remove.error} title="The identity was not deleted" />}
        <p>
          OrgKeeper forgets this identity and revokes its sign-in. Nothing changes in the ArcGIS organization
          itself.
        </p>
        <p>
          {shown.fileLocationKind === 'folder' ? (
            <>
              <strong>Existing backups are kept on disk</strong> in <code>{shown.fileLocation}</code>; OrgKeeper does not delete any file.
            </>
          ) : (
            <>
              <strong>Existing backups are kept</strong> in <code>{shown.fileLocation}</code>; OrgKeeper deletes nothing there.
            </>
          )}
        </p>
      </div>
      <calcite-button slot="footer-end" appearance="outline" kind="neutral" onClick={onClose} disabled={remove.isPending}>
        Cancel
      </calcite-button>
      <calcite-button slot="footer-end" kind="danger" iconStart="trash" loading={remove.isPending} onClick={() => remove.mutate(shown)}>
        Delete identity
      </calcite-button>
    </calcite-dialog>
  );
}
