// Delete after a confirming second press: the first press turns the button into "Confirm delete" (solid, danger), the
// second deletes. `name` is what is deleted, for the button's accessible name.
import { useState } from 'react';

export function DeleteButton({ name, busy, onDelete }: { name: string; busy: boolean; onDelete: () => void }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <calcite-button
      appearance={confirming ? 'solid' : 'outline'}
      kind="danger"
      scale="s"
      iconStart="trash"
      loading={busy}
      onClick={() => (confirming ? onDelete() : setConfirming(true))}
      label={confirming ? `Confirm: delete ${name}` : `Delete ${name}`}
    >
      {confirming ? 'Confirm delete' : 'Delete'}
    </calcite-button>
  );
}
