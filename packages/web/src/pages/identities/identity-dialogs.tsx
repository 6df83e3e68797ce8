// The add/edit and delete dialogs of Manage Identities, loaded when first opened: Calcite's dialog element brings a
// drag-and-resize library that the page does not need until someone adds, edits or deletes an identity.
import { type ComponentType, lazy, Suspense, useState } from 'react';
import type { DeleteIdentityDialogProps } from './delete-identity-dialog';
import type { IdentityFormDialogProps } from './identity-form-dialog';

/**
 * A dialog whose code loads the first time `wanted(props)` is true. Once loaded it stays mounted, so that it can
 * animate closed and open again at once.
 */
function loadedWhenWanted<P extends object>(load: () => Promise<ComponentType<P>>, wanted: (props: P) => boolean) {
  const Dialog = lazy(async () => ({ default: await load() }));
  return function LazyDialog(props: P) {
    const [loaded, setLoaded] = useState(false);
    const now = wanted(props);
    if (now && !loaded) setLoaded(true);
    if (!now && !loaded) return null;
    return (
      <Suspense fallback={null}>
        <Dialog {...props} />
      </Suspense>
    );
  };
}

export const LazyIdentityFormDialog = loadedWhenWanted<IdentityFormDialogProps>(
  async () => (await import('./identity-form-dialog')).IdentityFormDialog,
  (props) => props.target !== null
);

export const LazyDeleteIdentityDialog = loadedWhenWanted<DeleteIdentityDialogProps>(
  async () => (await import('./delete-identity-dialog')).DeleteIdentityDialog,
  (props) => props.identity !== null
);
