// Fixing selected findings: choose an action and its options, preview exactly what will change (finding by finding,
// each change with its value before and after, and whether a backup is taken first), then apply. The apply carries the
// preview's hash, so the server changes nothing if the organization changed since the preview.
import { useMutation } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { isApiError } from '../../api/api-client';
import { applyFix, type Finding, type FixAction, type FixPreview, type FixRequest, previewFix, type TargetKind } from '../../api/clean.api';
import { useApiClient } from '../../app/api-context';
import { ErrorNotice, Notice } from '../../components/notice';
import { formatCount, plural } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import { actionsFor, describeValue, type FixFormValues, type FixOptionName, fixActionInfo, toFixOptions } from './fix-actions';
import { CheckField, TextField } from './option-fields';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';

export interface FixPanelProps {
  identityId: string;
  scanId: string;
  findings: Finding[];
  onApplied: (fixId: string) => void;
  onClose: () => void;
}

export function FixPanel({ identityId, scanId, findings, onApplied, onClose }: FixPanelProps) {
  const client = useApiClient();
  const kinds = useMemo(() => new Set<TargetKind>(findings.map((f) => f.target.kind)), [findings]);
  const actions = actionsFor(kinds);
  const [action, setAction] = useState<FixAction>(actions[0]?.action ?? 'notify-owners');
  const info = fixActionInfo(action) ?? actions[0];
  const [values, setValues] = useState<FixFormValues>({ from: 'everyone' });
  const [errors, setErrors] = useState<Partial<Record<FixOptionName, string>>>({});
  const [preview, setPreview] = useState<FixPreview | null>(null);
  const [confirmNoBackup, setConfirmNoBackup] = useState(false);
  const [confirmDestructive, setConfirmDestructive] = useState(false);

  const request = (): FixRequest | null => {
    if (!info) return null;
    const built = toFixOptions(info, values);
    setErrors(built.errors);
    if (Object.keys(built.errors).length > 0) return null;
    return { scanId, findings: findings.map((f) => f.id), action: info.action, options: built.options };
  };

  const previewing = useMutation({
    mutationFn: (body: FixRequest) => previewFix(client, identityId, body),
    onSuccess: (result) => {
      setPreview(result);
      setConfirmNoBackup(false);
      setConfirmDestructive(false);
    },
    onError: (error) => {
      if (isApiError(error)) setErrors(fieldErrors(error.fields));
    }
  });
  const applying = useMutation({
    mutationFn: (body: FixRequest) => applyFix(client, identityId, body),
    onSuccess: (started) => onApplied(started.fixId)
  });

  // Anything changed after a preview makes it stale: preview again before applying.
  const changed = () => {
    setPreview(null);
    previewing.reset();
    applying.reset();
  };

  if (!info) return <Notice kind="info" title="No fix fits these findings">None of the fix actions applies to the selected findings.</Notice>;

  const needsBackupConfirmation = preview !== null && preview.backup.needed && !preview.backup.possible;
  const canApply =
    preview !== null && preview.counts.change > 0 && (!needsBackupConfirmation || confirmNoBackup) && (!info.destructive || confirmDestructive) && !applying.isPending;

  const apply = () => {
    if (!preview) return;
    applying.mutate({
      scanId,
      findings: findings.map((f) => f.id),
      action: preview.action,
      options: preview.options,
      previewHash: preview.hash,
      ...(needsBackupConfirmation && confirmNoBackup ? { confirmNoBackup: true } : {})
    });
  };

  return (
    <section className="panel clean-fix-panel" aria-labelledby="fix-panel-heading">
      <h2 id="fix-panel-heading">Fix {plural(findings.length, 'selected finding')}</h2>
      <form
        aria-label="Fix options"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const body = request();
          if (body) previewing.mutate(body);
        }}
      >
        <calcite-select
          label="Fix action"
          labelText="Fix action"
          value={info.action}
          oncalciteSelectChange={(event) => {
            setAction(event.target.value as FixAction);
            setErrors({});
            changed();
          }}
        >
          {actions.map((a) => (
            <calcite-option key={a.action} value={a.action} label={a.label} selected={a.action === info.action}>
              {a.label}
            </calcite-option>
          ))}
        </calcite-select>
        <p className="clean-type-description">{info.description}</p>
        {info.fields.map((field) => {
          const set = (value: string | boolean) => {
            setValues((current) => ({ ...current, [field.name]: value }));
            setErrors(({ [field.name]: _gone, ...rest }) => rest);
            changed();
          };
          if (field.kind === 'boolean') {
            return <CheckField key={field.name} name={field.name} label={field.label} help={field.help} checked={values[field.name] === true} onChange={set} />;
          }
          if (field.kind === 'from') {
            return (
              <div className="form-field" key={field.name}>
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
              key={field.name}
              name={field.name}
              label={field.label}
              help={field.help}
              required={field.required === true}
              value={typeof values[field.name] === 'string' ? (values[field.name] as string) : ''}
              error={errors[field.name]}
              onChange={set}
            />
          );
        })}
        {previewing.error !== null && <ErrorNotice error={previewing.error} title="The preview failed" />}
        <div className="clean-actions">
          <calcite-button iconStart="view-visible" loading={previewing.isPending} disabled={previewing.isPending} onClick={() => {
            const body = request();
            if (body) previewing.mutate(body);
          }}>
            Preview changes
          </calcite-button>
          <calcite-button appearance="transparent" onClick={onClose}>
            Close
          </calcite-button>
        </div>
      </form>
      {preview && (
        <PreviewView preview={preview}>
          {needsBackupConfirmation && (
            <CheckField
              name="confirmNoBackup"
              label="Fix without a backup"
              help="No backup can be taken first, so this fix cannot be undone where it deletes. Tick to go ahead anyway."
              checked={confirmNoBackup}
              onChange={setConfirmNoBackup}
            />
          )}
          {info.destructive && preview.counts.change > 0 && (
            <CheckField
              name="confirmDestructive"
              label={`Yes, ${info.label.toLowerCase()}`}
              help="This deletes what the preview lists. Tick to confirm."
              checked={confirmDestructive}
              onChange={setConfirmDestructive}
            />
          )}
          {applying.error !== null && <ErrorNotice error={applying.error} title="The fix could not be started" />}
          <div className="clean-actions">
            <calcite-button kind={info.destructive ? 'danger' : 'brand'} iconStart="check" disabled={!canApply} loading={applying.isPending} onClick={apply}>
              Apply fix to {plural(preview.counts.change, 'finding')}
            </calcite-button>
          </div>
        </PreviewView>
      )}
    </section>
  );
}

function fieldErrors(fields: Readonly<Record<string, string>>): Partial<Record<FixOptionName, string>> {
  const out: Partial<Record<FixOptionName, string>> = {};
  for (const [field, message] of Object.entries(fields)) {
    const name = (field.startsWith('options.') ? field.slice('options.'.length) : field) as FixOptionName;
    out[name] = message;
  }
  return out;
}

function PreviewView({ preview, children }: { preview: FixPreview; children: React.ReactNode }) {
  return (
    <section className="clean-preview" aria-label="Fix preview" data-preview-hash={preview.hash}>
      <h3>Preview</h3>
      <p role="status">
        {formatCount(preview.counts.change)} will change, {formatCount(preview.counts.skip)} will be skipped.
      </p>
      {preview.backup.needed ? (
        preview.backup.possible ? (
          <Notice kind="info" title="A backup is taken first">
            {preview.backup.reason ??
              `Before anything changes, ${plural(preview.backup.itemIds.length, 'item')}${preview.backup.principals ? ' and the users' : ''} are backed up into the identity's File Location, so the fix can be undone.`}
          </Notice>
        ) : (
          <Notice kind="warning" title="No backup can be taken first">
            {preview.backup.reason ?? 'The identity has no usable File Location.'} Without a backup, what this fix deletes cannot be brought back.
          </Notice>
        )
      ) : (
        <Notice kind="info" title="Nothing in ArcGIS changes">
          This action changes nothing in the organization, so there is nothing to back up or undo.
        </Notice>
      )}
      <div className="table-scroll">
        <table className="data-table clean-preview-table">
          <caption className="visually-hidden">What the fix will change, finding by finding</caption>
          <thead>
            <tr>
              <th scope="col">What</th>
              <th scope="col">Will</th>
              <th scope="col">Change</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {preview.findings.map((plan) => {
              const rows = plan.status === 'skip' || plan.changes.length === 0 ? [null] : plan.changes;
              return rows.map((change, index) => (
                <tr key={`${plan.findingId}.${index}`} data-finding-id={plan.findingId} data-plan={plan.status}>
                  {index === 0 && (
                    <td rowSpan={rows.length}>
                      <PlainText text={plan.target.title} fallback={plan.target.id} />
                      <span className="cell-note finding-id">{plan.target.id}</span>
                    </td>
                  )}
                  {index === 0 && <td rowSpan={rows.length}>{plan.status === 'change' ? 'Change' : 'Skip'}</td>}
                  {change ? (
                    <>
                      <td>
                        <PlainText text={change.summary} />
                      </td>
                      <td>
                        <PlainText text={describeValue(change.before)} />
                      </td>
                      <td>
                        <PlainText text={describeValue(change.after)} />
                      </td>
                    </>
                  ) : (
                    <td colSpan={3}>
                      <PlainText text={plan.reason ?? 'Nothing to change.'} />
                    </td>
                  )}
                </tr>
              ));
            })}
          </tbody>
        </table>
      </div>
      {children}
    </section>
  );
}
