// The add/edit dialog of an identity (identity-form-fields.tsx has its fields, identity-form-state.ts its state).
// Values stay as typed when the server refuses them.
import { useEffect, useId, useState } from 'react';
import type { Identity } from '../../api/identities.api';
import { type FormTarget, targetType } from './identity-form';
import { IdentityFormFields } from './identity-form-fields';
import { useIdentityForm } from './identity-form-state';
import { SECTION_TITLES } from './identity-format';
import '@esri/calcite-components/components/calcite-dialog';

export interface IdentityFormDialogProps {
  target: FormTarget | null;
  redirectUri: string | undefined;
  onClose: () => void;
  /** Called with the saved identity (after the list is refreshed). */
  onSaved: (identity: Identity, mode: 'add' | 'edit') => void;
}

export function IdentityFormDialog({ target, redirectUri, onClose, onSaved }: IdentityFormDialogProps) {
  const [open, setOpen] = useState(false);
  // The dialog keeps rendering the last target while it animates closed.
  const [shown, setShown] = useState<FormTarget | null>(null);
  useEffect(() => {
    if (target) {
      setShown(target);
      setOpen(true);
    } else {
      setOpen(false);
    }
  }, [target]);
  if (!shown) return null;
  return (
    <IdentityForm
      key={shown.mode === 'add' ? `add-${shown.type}` : `edit-${shown.identity.id}`}
      target={shown}
      open={open}
      redirectUri={redirectUri}
      onClose={onClose}
      onClosed={() => setShown(null)}
      onSaved={onSaved}
    />
  );
}

function IdentityForm({
  target,
  open,
  redirectUri,
  onClose,
  onClosed,
  onSaved
}: {
  target: FormTarget;
  open: boolean;
  redirectUri: string | undefined;
  onClose: () => void;
  onClosed: () => void;
  onSaved: IdentityFormDialogProps['onSaved'];
}) {
  const form = useIdentityForm(target, onSaved);
  const formId = useId();
  const type = targetType(target);
  const heading = target.mode === 'add' ? `Add ${SECTION_TITLES[type]} identity` : `Edit ${target.identity.name}`;
  return (
    <form id={formId} onSubmit={form.submit} noValidate aria-label={heading}>
      <calcite-dialog
        open={open}
        modal
        heading={heading}
        description={
          type === 'online'
            ? 'An ArcGIS Online organization that OrgKeeper signs in to with OAuth 2.0.'
            : 'An ArcGIS Enterprise portal that OrgKeeper signs in to with IWA (Windows) or OAuth 2.0.'
        }
        width="m"
        className="identity-dialog"
        label={heading}
        oncalciteDialogOpen={(event) => {
          // Start in the first field, unless the user already clicked into another one while the dialog opened.
          const focused = document.activeElement;
          if (focused?.localName === 'calcite-input' && event.currentTarget.contains(focused)) return;
          form.focus('name');
        }}
        oncalciteDialogClose={() => {
          onClose();
          onClosed();
        }}
      >
        <IdentityFormFields form={form} redirectUri={redirectUri} />
        <calcite-button slot="footer-end" appearance="outline" kind="neutral" onClick={onClose} disabled={form.save.isPending}>
          Cancel
        </calcite-button>
        <calcite-button slot="footer-end" type="submit" form={formId} loading={form.save.isPending} iconStart={target.mode === 'add' ? 'plus' : 'save'}>
          {form.save.isPending ? 'Checking the organization…' : target.mode === 'add' ? 'Add identity' : 'Save changes'}
        </calcite-button>
      </calcite-dialog>
    </form>
  );
}
