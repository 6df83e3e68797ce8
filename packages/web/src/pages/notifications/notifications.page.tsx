// Notifications: the email settings (SMTP server, TLS, account with its password stored encrypted, sender, recipients),
// when to send (failure, partial success, success) and about which identities, and "Send a test email"; then the
// webhooks (webhooks-section.tsx). Administrators only.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { fieldError } from '../../api/api-client';
import { type EmailSettings, type EmailSettingsInput, getEmailSettings, notificationKeys, saveEmailSettings, sendTestEmail, type TlsMode } from '../../api/notifications.api';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { FormField } from '../../components/form-field';
import { ErrorNotice, Notice } from '../../components/notice';
import { isAdmin } from '../../components/roles';
import { formatDateTime } from '../../components/units';
import { IdentityScope, OutcomeFields } from './channel-scope';
import { WebhooksSection } from './webhooks-section';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';
import '../../components/native-forms.css';
import './notifications.css';

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
        <p>Email and webhooks (Slack, Microsoft Teams, signed JSON) when a backup, restore or other operation fails, finishes with problems, or succeeds.</p>
      </header>
      {admin ? (
        <>
          <EmailSettingsForm />
          <WebhooksSection />
        </>
      ) : (
        <Notice kind="info" title="Administrators only">
          The email settings name a mail server and its account, and webhook URLs are credentials; an administrator of OrgKeeper changes them.
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

/** The form's values, starting from what is saved (or the usual defaults), and saving them. */
function useEmailSettingsForm(settings: EmailSettings) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const [values, setValues] = useState({
    enabled: settings.configured ? settings.enabled : true,
    host: settings.host,
    port: settings.configured ? String(settings.port) : '587',
    tlsMode: settings.configured ? settings.tlsMode : ('starttls' as TlsMode),
    user: settings.user ?? '',
    password: '',
    removePassword: false,
    from: settings.from,
    recipients: settings.recipients.join('\n'),
    onFailure: settings.configured ? settings.notifyOnFailure : true,
    onPartial: settings.configured ? settings.notifyOnPartial : true,
    onSuccess: settings.configured ? settings.notifyOnSuccess : false,
    identityIds: settings.identityIds
  });
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: () => {
      const input: EmailSettingsInput = {
        enabled: values.enabled,
        host: values.host.trim(),
        port: Number(values.port),
        tlsMode: values.tlsMode,
        user: values.user.trim() === '' ? null : values.user.trim(),
        from: values.from.trim(),
        recipients: values.recipients
          .split(/[\s,;]+/)
          .map((r) => r.trim())
          .filter(Boolean),
        notifyOnFailure: values.onFailure,
        notifyOnPartial: values.onPartial,
        notifyOnSuccess: values.onSuccess,
        identityIds: values.identityIds,
        // Left out: the stored password stays.
        ...(values.removePassword ? { password: null } : values.password !== '' ? { password: values.password } : {})
      };
      return saveEmailSettings(client, input);
    },
    onMutate: () => setSaved(false),
    onSuccess: (result) => {
      setSaved(true);
      setValues((current) => ({ ...current, password: '' }));
      queryClient.setQueryData(notificationKeys.email, result);
    }
  });
  return {
    values,
    set:
      <K extends keyof typeof values>(key: K) =>
      (value: (typeof values)[K]) =>
        setValues((current) => ({ ...current, [key]: value })),
    setAll: (changes: Partial<typeof values>) => setValues((current) => ({ ...current, ...changes })),
    saved,
    save,
    fieldError: (field: string) => fieldError(save.error, field)
  };
}

type EmailSettingsFormState = ReturnType<typeof useEmailSettingsForm>;

function SettingsForm({ settings }: { settings: EmailSettings }) {
  const client = useApiClient();
  const form = useEmailSettingsForm(settings);
  const test = useMutation({ mutationFn: () => sendTestEmail(client) });
  const { values, set, save } = form;

  return (
    <section className="panel" aria-labelledby="email-settings-heading">
      <h2 id="email-settings-heading">Email</h2>
      <div className="notifications-form form-column">
        <label className="inline-check">
          <input type="checkbox" checked={values.enabled} onChange={(event) => set('enabled')(event.target.checked)} />
          Send email notifications
        </label>
        <ServerFields form={form} passwordSet={settings.passwordSet} />
        <FormField name="from" label="From" help="The sender's address, e.g. orgkeeper@example.com." value={values.from} onValueChange={set('from')} error={form.fieldError('from')} required />
        <RecipientsField form={form} />
        <OutcomeFields
          legend="Send an email when an operation"
          value={{ onFailure: values.onFailure, onPartial: values.onPartial, onSuccess: values.onSuccess }}
          onChange={(outcomes) => form.setAll(outcomes)}
        />
        <IdentityScope legend="Email about operations of" value={values.identityIds} onChange={set('identityIds')} error={form.fieldError('identityIds')} />
        {save.error !== null && <ErrorNotice error={save.error} title="The settings were not saved" />}
        {form.saved && (
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

/** The mail server: host, port and encryption, and the account OrgKeeper signs in with (its password write-only). */
function ServerFields({ form, passwordSet }: { form: EmailSettingsFormState; passwordSet: boolean }) {
  const tlsId = useId();
  const { values, set, fieldError } = form;
  return (
    <>
      <FormField name="host" label="SMTP server" help="Host name of the mail server, e.g. smtp.example.com." value={values.host} onValueChange={set('host')} error={fieldError('host')} required />
      <div className="form-row">
        <FormField name="port" label="Port" help="587 for STARTTLS, 465 for TLS, 25 without." value={values.port} onValueChange={set('port')} error={fieldError('port')} required />
        <calcite-select
          id={tlsId}
          label="Encryption"
          labelText="Encryption"
          value={values.tlsMode}
          oncalciteSelectChange={(event) => {
            const mode = event.target.value as TlsMode;
            set('tlsMode')(mode);
            // Follow the usual port while the port is still a usual one.
            if (TLS_OPTIONS.some((o) => String(o.port) === values.port)) set('port')(String(TLS_OPTIONS.find((o) => o.value === mode)!.port));
          }}
        >
          {TLS_OPTIONS.map((option) => (
            <calcite-option key={option.value} value={option.value} label={option.label} selected={values.tlsMode === option.value}>
              {option.label}
            </calcite-option>
          ))}
        </calcite-select>
      </div>
      {fieldError('tlsMode') && <Notice kind="danger" title="Encryption">{fieldError('tlsMode')}</Notice>}
      <FormField name="user" label="SMTP user" help="Leave empty when the server needs no sign-in." value={values.user} onValueChange={set('user')} error={fieldError('user')} autoComplete="off" />
      <FormField
        name="password"
        label="SMTP password"
        type="password"
        help={passwordSet ? 'A password is stored (encrypted). Leave empty to keep it.' : 'Stored encrypted; never shown again.'}
        value={values.password}
        onValueChange={set('password')}
        error={fieldError('password')}
        autoComplete="new-password"
        disabled={values.removePassword}
      />
      {passwordSet && (
        <label className="inline-check">
          <input type="checkbox" checked={values.removePassword} onChange={(event) => set('removePassword')(event.target.checked)} />
          Remove the stored password
        </label>
      )}
    </>
  );
}

function RecipientsField({ form }: { form: EmailSettingsFormState }) {
  const id = useId();
  const error = form.fieldError('recipients');
  return (
    <div className="native-field">
      <label htmlFor={id}>Recipients</label>
      <textarea
        id={id}
        rows={3}
        value={form.values.recipients}
        onChange={(event) => form.set('recipients')(event.target.value)}
        placeholder="gis-admins@example.com"
        aria-describedby={`${id}-help`}
        aria-invalid={error ? true : undefined}
      />
      <span id={`${id}-help`} className={error ? 'cell-error' : 'form-field-help'}>
        {error ?? 'One address per line, or separated by commas.'}
      </span>
    </div>
  );
}

