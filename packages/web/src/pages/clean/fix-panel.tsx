// Fixing selected findings: choose an action and its options, preview exactly what will change (fix-preview.tsx), then
// apply. The apply carries the preview's hash, so the server changes nothing if the organization changed since the
// preview. The state is in fix-panel-state.ts.
import { ErrorNotice, Notice } from '../../components/notice';
import { RecycleBinNote } from '../../components/recycle-bin-note';
import { plural } from '../../components/units';
import type { FixAction } from '../../api/clean.api';
import type { FixOptionField } from './fix-actions';
import { type FixPanelInput, type FixPanelState, useFixPanel } from './fix-panel-state';
import { PreviewView } from './fix-preview';
import { CheckField, TextField } from './option-fields';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';

export interface FixPanelProps extends FixPanelInput {
  onClose: () => void;
}

export function FixPanel({ onClose, ...input }: FixPanelProps) {
  const fix = useFixPanel(input);
  const { info, preview } = fix;
  if (!info) return <Notice kind="info" title="No fix fits these findings">None of the fix actions applies to the selected findings.</Notice>;
  return (
    <section className="panel clean-fix-panel" aria-labelledby="fix-panel-heading">
      <h2 id="fix-panel-heading">Fix {plural(input.findings.length, 'selected finding')}</h2>
      <form
        aria-label="Fix options"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          fix.requestPreview();
        }}
      >
        <calcite-select label="Fix action" labelText="Fix action" value={info.action} oncalciteSelectChange={(event) => fix.chooseAction(event.target.value as FixAction)}>
          {fix.actions.map((a) => (
            <calcite-option key={a.action} value={a.action} label={a.label} selected={a.action === info.action}>
              {a.label}
            </calcite-option>
          ))}
        </calcite-select>
        <p className="clean-type-description">{info.description}</p>
        {info.action === 'delete-items' && <RecycleBinNote identityId={input.identityId} context="delete" />}
        {info.fields.map((field) => (
          <FixOption key={field.name} field={field} fix={fix} />
        ))}
        {fix.previewing.error !== null && <ErrorNotice error={fix.previewing.error} title="The preview failed" />}
        <div className="clean-actions">
          <calcite-button iconStart="view-visible" loading={fix.previewing.isPending} disabled={fix.previewing.isPending} onClick={fix.requestPreview}>
            Preview changes
          </calcite-button>
          <calcite-button appearance="transparent" onClick={onClose}>
            Close
          </calcite-button>
        </div>
      </form>
      {preview && (
        <PreviewView preview={preview}>
          <ApplyControls fix={fix} />
        </PreviewView>
      )}
    </section>
  );
}

/** One option of the chosen action: a check box, whom to stop sharing with, or a text. */
function FixOption({ field, fix }: { field: FixOptionField; fix: FixPanelState }) {
  const { values } = fix;
  const set = (value: string | boolean) => fix.setValue(field.name, value);
  if (field.kind === 'boolean') {
    return <CheckField name={field.name} label={field.label} help={field.help} checked={values[field.name] === true} onChange={set} />;
  }
  if (field.kind === 'from') {
    return (
      <div className="form-field">
        <calcite-select label={field.label} labelText={field.label} value={String(values.from ?? 'everyone')} oncalciteSelectChange={(event) => set(event.target.value)}>
          <calcite-option value="everyone" label="Everyone (public)" selected={values.from === 'everyone'}>
            Everyone (public)
          </calcite-option>
          <calcite-option value="org" label="The organization" selected={values.from === 'org'}>
            The organization
          </calcite-option>
          <calcite-option value="groups" label="Groups" selected={values.from === 'groups'}>
            Groups
          </calcite-option>
        </calcite-select>
        <div className="form-field-help">{field.help}</div>
      </div>
    );
  }
  return (
    <TextField
      name={field.name}
      label={field.label}
      help={field.help}
      required={field.required === true}
      value={typeof values[field.name] === 'string' ? (values[field.name] as string) : ''}
      error={fix.errors[field.name]}
      onChange={set}
    />
  );
}

/** Under the preview: the confirmations it asks for (no backup possible, a deleting action), and Apply. */
function ApplyControls({ fix }: { fix: FixPanelState }) {
  const { info, preview } = fix;
  if (!info || !preview) return null;
  return (
    <>
      {fix.needsBackupConfirmation && (
        <CheckField
          name="confirmNoBackup"
          label="Fix without a backup"
          help="No backup can be taken first, so this fix cannot be undone where it deletes. Tick to go ahead anyway."
          checked={fix.confirmNoBackup}
          onChange={fix.setConfirmNoBackup}
        />
      )}
      {info.destructive && preview.counts.change > 0 && (
        <CheckField
          name="confirmDestructive"
          label={`Yes, ${info.label.toLowerCase()}`}
          help="This deletes what the preview lists. Tick to confirm."
          checked={fix.confirmDestructive}
          onChange={fix.setConfirmDestructive}
        />
      )}
      {fix.applying.error !== null && <ErrorNotice error={fix.applying.error} title="The fix could not be started" />}
      <div className="clean-actions">
        <calcite-button kind={info.destructive ? 'danger' : 'brand'} iconStart="check" disabled={!fix.canApply} loading={fix.applying.isPending} onClick={fix.apply}>
          Apply fix to {plural(preview.counts.change, 'finding')}
        </calcite-button>
      </div>
    </>
  );
}
