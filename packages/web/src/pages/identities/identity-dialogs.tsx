// The add/edit and delete dialogs of Manage Identities, loaded when first opened: Calcite's dialog element brings a
// drag-and-resize library that the page does not need until someone adds, edits or deletes an identity.
import { lazy, Suspense, useState } from 'react';
import type { DeleteIdentityDialogProps } from './delete-identity-dialog';
import type { IdentityFormDialogProps } from './identity-form-dialog';

const IdentityFormDialog = lazy(async () => ({ default: (await import('./identity-form-dialog')).IdentityFormDialog }));
const DeleteIdentityDialog = lazy(async () => ({ default: (await import('./delete-identity-dialog')).DeleteIdentityDialog }));

/** True from the first time `value` is true on: a dialog, once loaded, stays mounted so that it can animate closed. */
function useLatched(value: boolean): boolean {
  const [latched, setLatched] = useState(value);
  if (value && !latched) setLatched(true);
  return latched || value;
}

export function LazyIdentityFormDialog(props: IdentityFormDialogProps) {
  const needed = useLatched(props.target !== null);
  if (!needed) return null;
  return (
    <Suspense fallback={null}>
      <IdentityFormDialog {...props} />
    </Suspense>
  );
}

export function LazyDeleteIdentityDialog(props: DeleteIdentityDialogProps) {
  const needed = useLatched(props.identity !== null);
  if (!needed) return null;
  return (
    <Suspense fallback={null}>
      <DeleteIdentityDialog {...props} />
    </Suspense>
  );
}
