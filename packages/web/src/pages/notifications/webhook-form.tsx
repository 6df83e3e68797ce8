// Adding or changing a webhook: its name and kind, the URL (write-only: left empty on a change, the stored one stays),
// the signing secret of a JSON webhook (OrgKeeper makes one unless one is given; a new one on request), which outcomes
// and identities it is told about, and whether it is active.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { fieldError } from '../../api/api-client';
import { createWebhook, notificationKeys, type SavedWebhook, updateWebhook, type Webhook, type WebhookInput, type WebhookKind } from '../../api/notifications.api';
import { useApiClient } from '../../app/api-context';
import { FormField } from '../../components/form-field';
import { ErrorNotice, Notice } from '../../components/notice';
import { IdentityScope, OutcomeFields } from './channel-scope';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';

export const KINDS: { value: WebhookKind; label: string; help: string }[] = [
  { value: 'slack', label: 'Slack', help: 'A Slack incoming webhook URL (https://hooks.slack.com/services/...): Slack app > Incoming Webhooks.' },
  {
    value: 'teams',
    label: 'Microsoft Teams',
    help: 'A Teams Workflows webhook URL: in the channel, Workflows > "Post to a channel when a webhook request is received".'
  },
  { value: 'json', label: 'JSON (signed)', help: 'Any HTTPS endpoint: OrgKeeper posts JSON signed with HMAC-SHA256 (X-OrgKeeper-Signature).' }
];

export function kindLabel(kind: WebhookKind): string {
  return KINDS.find((k) => k.value === kind)?.label ?? kind;
}

/** The form's values for a new webhook, or for changing one (its URL and secret are never sent back: left empty). */
function initialValues(webhook: Webhook | null) {
  return {
    name: webhook?.name ?? '',
    kind: webhook?.kind ?? ('slack' as WebhookKind),
    url: '',
    secret: '',
    rotateSecret: false,
    enabled: webhook?.enabled ?? true,
    onFailure: webhook?.notifyOnFailure ?? true,
    onPartial: webhook?.notifyOnPartial ?? true,
    onSuccess: webhook?.notifyOnSuccess ?? false,
    identityIds: webhook?.identityIds ?? null
  };
}

type WebhookFormValues = ReturnType<typeof initialValues>;

function toWebhookInput(values: WebhookFormValues): WebhookInput {
  return {
    name: values.name.trim(),
    kind: values.kind,
    enabled: values.enabled,
    notifyOnFailure: values.onFailure,
    notifyOnPartial: values.onPartial,
    notifyOnSuccess: values.onSuccess,
    identityIds: values.identityIds,
    // Left out: the stored URL (and secret) stay.
    ...(values.url.trim() !== '' ? { url: values.url.trim() } : {}),
    ...(values.kind === 'json' && values.secret !== '' ? { secret: values.secret } : {}),
    ...(values.kind === 'json' && values.rotateSecret && values.secret === '' ? { rotateSecret: true } : {})
  };
}

export function WebhookForm({ webhook, onSaved, onCancel }: { webhook: Webhook | null; onSaved: (saved: SavedWebhook) => void; onCancel: () => void }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const headingId = useId();
  const kindId = useId();
  const [values, setValues] = useState(() => initialValues(webhook));
  const set =
    <K extends keyof typeof values>(key: K) =>
    (value: (typeof values)[K]) =>
      setValues((current) => ({ ...current, [key]: value }));
  const save = useMutation({
    mutationFn: () => {
      const input = toWebhookInput(values);
      return webhook ? updateWebhook(client, webhook.id, input) : createWebhook(client, input);
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: notificationKeys.webhooks });
      onSaved(saved);
    }
  });
  const error = (field: string) => fieldError(save.error, field);
  const kind = KINDS.find((k) => k.value === values.kind)!;
  return (
    <section className="panel webhook-form" aria-labelledby={headingId}>
      <h3 id={headingId}>{webhook ? `Change "${webhook.name}"` : 'New webhook'}</h3>
      <div className="form-column">
        <FormField name="name" label="Webhook name" help='For you, e.g. "GIS team channel".' value={values.name} onValueChange={set('name')} error={error('name')} required />
        <calcite-select id={kindId} label="Kind" labelText="Kind" value={values.kind} oncalciteSelectChange={(event) => set('kind')(event.target.value as WebhookKind)}>
          {KINDS.map((k) => (
            <calcite-option key={k.value} value={k.value} label={k.label} selected={values.kind === k.value}>
              {k.label}
            </calcite-option>
          ))}
        </calcite-select>
        {error('kind') && <Notice kind="danger" title="Kind">{error('kind')}</Notice>}
        <FormField
          name="url"
          label="Webhook URL"
          type="url"
          help={webhook ? `Stored encrypted (${webhook.urlDisplay}); leave empty to keep it. ${kind.help}` : `Stored encrypted and never shown again. ${kind.help}`}
          value={values.url}
          onValueChange={set('url')}
          error={error('url')}
          autoComplete="off"
          required={!webhook}
        />
        {values.kind === 'json' && <SecretFields webhook={webhook} secret={values.secret} rotate={values.rotateSecret} onSecret={set('secret')} onRotate={set('rotateSecret')} error={error('secret')} />}
        <OutcomeFields
          legend="Send when an operation"
          value={{ onFailure: values.onFailure, onPartial: values.onPartial, onSuccess: values.onSuccess }}
          onChange={(outcomes) => setValues((current) => ({ ...current, ...outcomes }))}
        />
        <IdentityScope legend="Operations of" value={values.identityIds} onChange={set('identityIds')} error={error('identityIds')} />
        <label className="inline-check">
          <input type="checkbox" checked={values.enabled} onChange={(event) => set('enabled')(event.target.checked)} />
          Active
        </label>
        {save.error !== null && <ErrorNotice error={save.error} title="The webhook was not saved" />}
        <div className="form-actions">
          <calcite-button loading={save.isPending} disabled={save.isPending} onClick={() => save.mutate()}>
            {webhook ? 'Save webhook' : 'Add webhook'}
          </calcite-button>
          <calcite-button appearance="outline" kind="neutral" onClick={onCancel}>
            Cancel
          </calcite-button>
        </div>
      </div>
    </section>
  );
}

/** A JSON webhook's signing secret: made by OrgKeeper unless given; write-only; a new one on request. */
function SecretFields(props: { webhook: Webhook | null; secret: string; rotate: boolean; onSecret: (v: string) => void; onRotate: (v: boolean) => void; error: string | undefined }) {
  const { webhook, secret, rotate } = props;
  const stored = webhook?.kind === 'json' && webhook.secretSet;
  return (
    <>
      <FormField
        name="secret"
        label="Signing secret"
        type="password"
        help={stored ? 'A secret is stored (encrypted). Leave empty to keep it, or enter a new one.' : 'Leave empty and OrgKeeper makes a strong one and shows it once; or enter the receiver’s (16+ characters).'}
        value={secret}
        onValueChange={props.onSecret}
        error={props.error}
        autoComplete="new-password"
        disabled={rotate}
      />
      {stored && (
        <label className="inline-check">
          <input type="checkbox" checked={rotate} onChange={(event) => props.onRotate(event.target.checked)} />
          Make a new secret (the receiver needs it; the old one stops working)
        </label>
      )}
    </>
  );
}
