// A labelled checkbox with a third, "some" state (for a group that is partly selected). The label is untrusted text
// from ArcGIS (a type, an owner) shown through PlainText; clicking it toggles the box.
import { useEffect, useRef } from 'react';
import { PlainText } from './untrusted-text';

export interface TriCheckboxProps {
  label: string;
  state: 'all' | 'some' | 'none';
  onChange: (checked: boolean) => void;
  /** Extra text after the label (counts, sizes), part of the accessible name. */
  detail?: string;
  disabled?: boolean;
}

export function TriCheckbox({ label, state, onChange, detail, disabled = false }: TriCheckboxProps) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (input.current) input.current.indeterminate = state === 'some';
  }, [state]);
  return (
    <label className="tri-checkbox">
      <input
        ref={input}
        type="checkbox"
        checked={state === 'all'}
        disabled={disabled}
        // A partly selected group becomes fully selected on click, like the map's blocks.
        onChange={() => onChange(state !== 'all')}
      />
      <PlainText className="tri-checkbox-label" text={label} />
      {detail && <span className="tri-checkbox-detail">{detail}</span>}
    </label>
  );
}
