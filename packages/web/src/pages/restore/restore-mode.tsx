// Step 2 of a restore: how. In place, recreate deleted items, copy (owner, folder, title suffix), or clone into another
// identity with each owner mapped to a user of the target organization.
import { useId } from 'react';
import { fieldError } from '../../api/api-client';
import type { Identity } from '../../api/identities.api';
import type { RestoreMode } from '../../api/restore.api';
import { FormField } from '../../components/form-field';
import { Notice } from '../../components/notice';
import type { RestoreHow } from './restore-request';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';

const MODES: { value: RestoreMode; label: string; help: string }[] = [
  { value: 'recreate', label: 'Recreate deleted items', help: 'Items that no longer exist in the organization are created again from the backup; items that still exist are left alone.' },
  { value: 'in-place', label: 'In place', help: 'Existing items are overwritten with their backed-up state (missing ones are recreated).' },
  { value: 'copy', label: 'Copy', help: 'New items are created beside the existing ones, with a suffix on their titles.' },
  { value: 'clone', label: 'Clone into another identity', help: 'Items are created in another organization, owners mapped to its users; references between them are rewritten.' }
];

export interface RestoreModeStepProps {
  identity: Identity;
  identities: Identity[];
  how: RestoreHow;
  /** Changes some choices (given as a function of the current ones when they build on them). */
  onChange: (change: Partial<RestoreHow> | ((current: RestoreHow) => Partial<RestoreHow>)) => void;
  /** The owners of the chosen items, for the clone's owner mapping. */
  owners: string[];
  /** The last preview's or start's failure, for its per-field messages. */
  error: unknown;
}

export function RestoreModeStep({ identity, identities, how, onChange, owners, error }: RestoreModeStepProps) {
  const headingId = useId();
  const { mode } = how;
  const noOtherIdentity = identities.length < 2;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>2. How</h2>
      <fieldset className="mode-choices">
        <legend className="visually-hidden">Restore mode</legend>
        {MODES.map((m) => (
          <label key={m.value} className="mode-choice">
            <input type="radio" name="mode" value={m.value} checked={mode === m.value} onChange={() => onChange({ mode: m.value })} disabled={m.value === 'clone' && noOtherIdentity} />
            <span>
              <b>{m.label}</b>
              <span className="mode-help">{m.value === 'clone' && noOtherIdentity ? 'Add and connect another identity to clone into it.' : m.help}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {fieldError(error, 'mode') && <Notice kind="danger" title="Mode">{fieldError(error, 'mode')}</Notice>}
      {(mode === 'copy' || mode === 'clone') && (
        <div className="mode-options">
          <FormField name="owner" label="Owner" help="Username that will own the restored items; empty keeps the original (mapped) owner." value={how.owner} onValueChange={(owner) => onChange({ owner })} error={fieldError(error, 'owner')} />
          <FormField name="folder" label="Folder" help="Folder for the restored items, created when missing; empty keeps the original folder." value={how.folder} onValueChange={(folder) => onChange({ folder })} error={fieldError(error, 'folder')} />
          {mode === 'copy' && <FormField name="suffix" label="Title suffix" help="Added to the titles of the copies." value={how.suffix} onValueChange={(suffix) => onChange({ suffix })} error={fieldError(error, 'suffix')} />}
        </div>
      )}
      {mode === 'clone' && <CloneOptions identity={identity} identities={identities} how={how} onChange={onChange} owners={owners} error={error} />}
    </section>
  );
}

function CloneOptions({ identity, identities, how, onChange, owners, error }: RestoreModeStepProps) {
  return (
    <div className="mode-options">
      <calcite-select label="Clone into" labelText="Clone into" value={how.target} oncalciteSelectChange={(event) => onChange({ target: event.target.value })}>
        {identities
          .filter((i) => i.id !== identity.id)
          .map((i) => (
            <calcite-option key={i.id} value={i.id} label={i.name} selected={i.id === how.target}>
              {i.name}
            </calcite-option>
          ))}
      </calcite-select>
      {fieldError(error, 'targetIdentityId') && <Notice kind="danger" title="Clone into">{fieldError(error, 'targetIdentityId')}</Notice>}
      {owners.length > 0 && (
        <fieldset className="owner-map">
          <legend>Owner mapping</legend>
          <p className="mode-help">Each owner in the backup becomes this user in the target organization. Empty: a user with the same username.</p>
          {owners.map((from) => (
            <FormField
              key={from}
              name={`ownerMap.${from}`}
              label={`Owner for ${from}`}
              help={`Target username for the items of ${from}.`}
              value={how.ownerMap[from] ?? ''}
              onValueChange={(value) => onChange((current) => ({ ownerMap: { ...current.ownerMap, [from]: value } }))}
            />
          ))}
          {fieldError(error, 'ownerMap') && <Notice kind="danger" title="Owner mapping">{fieldError(error, 'ownerMap')}</Notice>}
        </fieldset>
      )}
    </div>
  );
}
