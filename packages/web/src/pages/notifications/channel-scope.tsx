// What a notification channel (email, a webhook) tells about: which outcomes of operations, and which identities'
// operations (every identity, or chosen ones).
import { useId } from 'react';
import { useIdentities } from '../../api/identities.query';

export interface IdentityScopeProps {
  /** null: every identity. */
  value: string[] | null;
  onChange: (value: string[] | null) => void;
  /** The server's message for the field, if it refused it. */
  error?: string | undefined;
  /** What the channel does, for the legend: "Email about operations of". */
  legend: string;
}

export function IdentityScope({ value, onChange, error, legend }: IdentityScopeProps) {
  const identities = useIdentities();
  const name = useId();
  const helpId = useId();
  const list = identities.data?.identities ?? [];
  const toggle = (id: string, on: boolean) => {
    const current = value ?? [];
    onChange(on ? [...current.filter((v) => v !== id), id] : current.filter((v) => v !== id));
  };
  return (
    <fieldset className="choice-group identity-scope" aria-describedby={helpId}>
      <legend>{legend}</legend>
      <label className="inline-check">
        <input type="radio" name={name} checked={value === null} onChange={() => onChange(null)} />
        every identity
      </label>
      <label className="inline-check">
        <input type="radio" name={name} checked={value !== null} onChange={() => onChange(value ?? [])} />
        only these identities
      </label>
      {value !== null && (
        <div className="identity-scope-list" role="group" aria-label="Identities">
          {list.length === 0 && <span className="form-field-help">No identity yet.</span>}
          {list.map((identity) => (
            <label key={identity.id} className="inline-check">
              <input type="checkbox" checked={value.includes(identity.id)} onChange={(event) => toggle(identity.id, event.target.checked)} />
              {identity.name}
            </label>
          ))}
        </div>
      )}
      <span id={helpId} className={error ? 'cell-error' : 'form-field-help'}>
        {error ?? (value === null ? 'Also operations that belong to no identity.' : 'Choose at least one.')}
      </span>
    </fieldset>
  );
}

export interface Outcomes {
  onFailure: boolean;
  onPartial: boolean;
  onSuccess: boolean;
}

/** The outcomes a channel is told about: failed (or interrupted), finished with problems, succeeded. */
export function OutcomeFields({ legend, value, onChange }: { legend: string; value: Outcomes; onChange: (value: Outcomes) => void }) {
  const helpId = useId();
  const choices: { key: keyof Outcomes; label: string }[] = [
    { key: 'onFailure', label: 'fails (or is interrupted)' },
    { key: 'onPartial', label: 'finishes with problems' },
    { key: 'onSuccess', label: 'succeeds' }
  ];
  return (
    <fieldset className="choice-group" aria-describedby={helpId}>
      <legend>{legend}</legend>
      {choices.map(({ key, label }) => (
        <label key={key} className="inline-check">
          <input type="checkbox" checked={value[key]} onChange={(event) => onChange({ ...value, [key]: event.target.checked })} />
          {label}
        </label>
      ))}
      <span id={helpId} className="form-field-help">
        Backups, restores, checks and scans, whether started here, from the CLI or by a schedule.
      </span>
    </fieldset>
  );
}
