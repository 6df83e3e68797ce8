// Notifications: the email settings (SMTP server, TLS, account with its password stored encrypted, sender, recipients),
// when to send (failure, partial success, success), and "Send a test email". Administrators only.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { isApiError } from '../../api/api-client';
import { type EmailSettings, type EmailSettingsInput, getEmailSettings, notificationKeys, saveEmailSettings, sendTestEmail, type TlsMode } from '../../api/notifications.api';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { FormField } from '../../components/form-field';
import { ErrorNotice, Notice } from '../../components/notice';
import { isAdmin } from '../../components/roles';
import { formatDateTime } from '../../components/units';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';
import '../schedules/schedules.css';

const TLS_OPTIONS: { value: TlsMode; label: string; port: number }[] = [
  { value: 'starttls', label: 'STARTTLS (usually port 587)', port: 587 },
  { value: 'tls', label: 'TLS from the start (usually port 465)', port: 465 },
  { value: 'none', label: 'None: plain text (trusted networks only)', port: 25 }
];

export function NotificationsPage() {
  const admin = isAdmin(useCurrentUser());
  return (
    <div className="page notifications-page">
      <header className="page-header">
        <h1>Notifications</h1>
        <p>Email when a backup, restore or other operation fails, finishes with problems, or succeeds.</p>
      </header>
      {admin ? (
        <EmailSettingsForm />
      ) : (
        <Notice kind="info" title="Administrators only">
          The email settings name a mail server and its account; an administrator of OrgKeeper changes them.
        </Notice>
      )}
    </div>
  );
}

function EmailSettingsForm() {
  const client = useApiClient();
  const settings = useQuery({ queryKey: notificationKeys.email, queryFn: ({ signal }) => getEmailSettings(client, signal) });
  if (settings.error) return <ErrorNotice error={settings.error} title="The email settings could not be loaded" />;
  if (!settings.data) return <calcite-loader label="Loading the email settings" inline />;
  return <SettingsForm settings={settings.data} />;
}

function SettingsForm({ settings }: { settings: EmailSettings }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const ids = { tls: useId(), recipients: useId(), when: useId() };
  const [enabled, setEnabled] = useState(settings.configured ? settings.enabled : true);
  const [host, setHost] = useState(settings.host);
  const [port, setPort] = useState(settings.configured ? String(settings.port) : '587');
  const [tlsMode, setTlsMode] = useState<TlsMode>(settings.configured ? settings.tlsMode : 'starttls');
  const [user, setUser] = useState(settings.user ?? '');
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  const [from, setFrom] = useState(settings.from);
  const [recipients, setRecipients] = useState(settings.recipients.join('\n'));
  const [onFailure, setOnFailure] = useState(settings.configured ? settings.notifyOnFailure : true);
  const [onPartial, setOnPartial] = useState(settings.configured ? settings.notifyOnPartial : true);
  const [onSuccess, setOnSuccess] = useState(settings.configured ? settings.notifyOnSuccess : false);
  const [saved, setSaved] = useState(false);

  const save = useMutation({
    mutationFn: () => {
      const input: EmailSettingsInput = {
        enabled,
        host: host.trim(),
        port: Number(port),
        tlsMode,
        user: user.trim() === '' ? null : user.trim(),
        from: from.trim(),
        recipients: recipients
          .split(/[\s,;]+/)
          .map((r) => r.trim())
          .filter(Boolean),
        notifyOnFailure: onFailure,
        notifyOnPartial: onPartial,
        notifyOnSuccess: onSuccess,
        // Left out: the stored password stays.
        ...(removePassword ? { password: null } : password !== '' ? { password } : {})
      };
      return saveEmailSettings(client, input);
    },
    onMutate: () => setSaved(false),
    onSuccess: (result) => {
      setSaved(true);
      setPassword('');
      queryClient.setQueryData(notificationKeys.email, result);
    }
  });
  const test = useMutation({ mutationFn: () => sendTestEmail(client) });
  const fieldError = (field: string) => (isApiError(save.error) ? save.error.fieldMessage(field) : undefined);

  return (
    <section className="panel" aria-label="Email settings">
      <div className="notifications-form">
        <label className="inline-check">
          <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
          Send email notifications
        </label>
        <FormField name="host" label="SMTP server" help="Host name of the mail server, e.g. smtp.example.com." value={host} onValueChange={setHost} error={fieldError('host')} required />
        <div className="form-row">
          <FormField name="port" label="Port" help="587 for STARTTLS, 465 for TLS, 25 without." value={port} onValueChange={setPort} error={fieldError('port')} required />
          <calcite-select
            id={ids.tls}
            label="Encryption"
            labelText="Encryption"
            value={tlsMode}
            oncalciteSelectChange={(event) => {
              const mode = event.target.value as TlsMode;
              setTlsMode(mode);
              // Follow the usual port while the port is still a usual one.
              if (TLS_OPTIONS.some((o) => String(o.port) === port)) setPort(String(TLS_OPTIONS.find((o) => o.value === mode)!.port));
            }}
          >
            {TLS_OPTIONS.map((option) => (
              <calcite-option key={option.value} value={option.value} label={option.label} selected={tlsMode === option.value}>
                {option.label}
              </calcite-option>
            ))}
          </calcite-select>
        </div>
        {fieldError('tlsMode') && <Notice kind="danger" title="Encryption">{fieldError('tlsMode')}</Notice>}
        <FormField name="user" label="SMTP user" help="Leave empty when the server needs no sign-in." value={user} onValueChange={setUser} error={fieldError('user')} autoComplete="off" />
        <FormField
          name="password"
          label="SMTP password"
          type="password"
          help={settings.passwordSet ? 'A password is stored (encrypted). Leave empty to keep it.' : 'Stored encrypted; never shown again.'}
          value={password}
          onValueChange={setPassword}
          error={fieldError('password')}
          autoComplete="new-password"
          disabled={removePassword}
        />
        {settings.passwordSet && (
          <label className="inline-check">
            <input type="checkbox" checked={removePassword} onChange={(event) => setRemovePassword(event.target.checked)} />
            Remove the stored password
          </label>
        )}
        <FormField name="from" label="From" help="The sender's address, e.g. orgkeeper@example.com." value={from} onValueChange={setFrom} error={fieldError('from')} required />
        <div className="native-field">
          <label htmlFor={ids.recipients}>Recipients</label>
          <textarea
            id={ids.recipients}
            rows={3}
            value={recipients}
            onChange={(event) => setRecipients(event.target.value)}
            placeholder="gis-admins@example.com"
            aria-describedby={`${ids.recipients}-help`}
            aria-invalid={fieldError('recipients') ? true : undefined}
          />
          <span id={`${ids.recipients}-help`} className={fieldError('recipients') ? 'cell-error' : 'form-field-help'}>
            {fieldError('recipients') ?? 'One address per line, or separated by commas.'}
          </span>
        </div>
        <fieldset className="choice-group" aria-describedby={ids.when}>
          <legend>Send an email when an operation</legend>
          <label className="inline-check">
            <input type="checkbox" checked={onFailure} onChange={(event) => setOnFailure(event.target.checked)} />
            fails (or is interrupted)
          </label>
          <label className="inline-check">
            <input type="checkbox" checked={onPartial} onChange={(event) => setOnPartial(event.target.checked)} />
            finishes with problems
          </label>
          <label className="inline-check">
            <input type="checkbox" checked={onSuccess} onChange={(event) => setOnSuccess(event.target.checked)} />
            succeeds
          </label>
          <span id={ids.when} className="form-field-help">
            Backups, restores, checks and scans, whether started here, from the CLI or by a schedule.
          </span>
        </fieldset>
        {save.error !== null && <ErrorNotice error={save.error} title="The settings were not saved" />}
        {saved && (
          <Notice kind="success" title="Saved" announce>
            {settings.updatedAt ? `Saved ${formatDateTime(settings.updatedAt)}.` : 'The settings are saved.'}
          </Notice>
        )}
        <div className="form-actions">
          <calcite-button loading={save.isPending} disabled={save.isPending} onClick={() => save.mutate()}>
            Save
          </calcite-button>
          <calcite-button appearance="outline" iconStart="envelope" loading={test.isPending} disabled={test.isPending || !settings.configured} onClick={() => test.mutate()}>
            Send a test email
          </calcite-button>
        </div>
        {!settings.configured && <p className="form-field-help">Save the settings first; the test uses what is saved.</p>}
        {test.error !== null && <ErrorNotice error={test.error} title="The test email was not sent" />}
        {test.data && (
          <Notice kind={test.data.rejected.length > 0 ? 'warning' : 'success'} title="Test email sent" announce>
            Accepted for {test.data.accepted.join(', ') || 'nobody'}
            {test.data.rejected.length > 0 && `; refused for ${test.data.rejected.join(', ')}`}.
          </Notice>
        )}
      </div>
    </section>
  );
}
