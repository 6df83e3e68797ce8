// Webhooks: the list (kind, where to, what is sent, the last delivery), add, change, delete after a confirming second
// press, Send a test (its outcome in the row), and each webhook's last deliveries with their status, HTTP status,
// attempts and error. A signing secret OrgKeeper makes is shown once, with a Copy button.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { deleteWebhook, listWebhookDeliveries, listWebhooks, notificationKeys, type SavedWebhook, testWebhook, type Webhook, type WebhookDelivery } from '../../api/notifications.api';
import { useApiClient } from '../../app/api-context';
import { CopyButton } from '../../components/copy-button';
import { DataTable } from '../../components/data-table';
import { DeleteButton } from '../../components/delete-button';
import { ErrorNotice, Notice } from '../../components/notice';
import { StatusBadge } from '../../components/status-badge';
import { formatDateTime, plural } from '../../components/units';
import { kindLabel, WebhookForm } from './webhook-form';

export function WebhooksSection() {
  const client = useApiClient();
  const headingId = useId();
  const webhooks = useQuery({
    queryKey: notificationKeys.webhooks,
    queryFn: ({ signal }) => listWebhooks(client, signal),
    // Deliveries are retried in the background: their state moves on by itself.
    refetchInterval: 10_000
  });
  const [editing, setEditing] = useState<Webhook | 'new' | null>(null);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const saved = (result: SavedWebhook) => {
    setEditing(null);
    setSecret(result.secret ? { name: result.webhook.name, secret: result.secret } : null);
  };
  const list = webhooks.data?.webhooks ?? [];
  return (
    <section className="panel webhooks-section" aria-labelledby={headingId}>
      <h2 id={headingId}>Webhooks</h2>
      <p className="section-intro">
        Tell a Slack or Microsoft Teams channel, or any system that takes JSON (signed with HMAC-SHA256), when operations end.
        Messages are sent in the background and retried when the receiver is unavailable.
      </p>
      {secret && <SigningSecretNotice {...secret} onDone={() => setSecret(null)} />}
      {editing !== null ? (
        <WebhookForm key={editing === 'new' ? 'new' : editing.id} webhook={editing === 'new' ? null : editing} onSaved={saved} onCancel={() => setEditing(null)} />
      ) : (
        <div className="page-toolbar">
          <calcite-button iconStart="plus" onClick={() => setEditing('new')}>
            Add webhook
          </calcite-button>
        </div>
      )}
      {webhooks.error !== null && <ErrorNotice error={webhooks.error} title="The webhooks could not be loaded" />}
      {webhooks.isPending ? (
        <calcite-loader label="Loading webhooks" inline />
      ) : list.length === 0 ? (
        <Notice kind="info" title="No webhooks yet">
          Press Add webhook to tell a channel or another system when operations end.
        </Notice>
      ) : (
        <WebhooksTable webhooks={list} onEdit={setEditing} />
      )}
    </section>
  );
}

/** The signing secret OrgKeeper made for a webhook: shown once, with a Copy button. */
function SigningSecretNotice({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  return (
    <Notice
      kind="warning"
      title={`Signing secret of "${name}": shown only now`}
      announce
      actions={
        <calcite-button appearance="outline" scale="s" onClick={onDone}>
          Done
        </calcite-button>
      }
    >
      <div className="secret-row">
        <code className="secret-value" data-testid="webhook-secret">
          {secret}
        </code>
        <CopyButton text={secret} label="Copy the signing secret" />
      </div>
      Give it to the receiver, which checks X-OrgKeeper-Signature with it. OrgKeeper keeps it encrypted and never shows it again.
    </Notice>
  );
}

function WebhooksTable({ webhooks, onEdit }: { webhooks: readonly Webhook[]; onEdit: (webhook: Webhook) => void }) {
  return (
    <DataTable caption="Webhooks" columns={['Name', 'Kind', 'URL', 'Sends', 'Last delivery']} actions className="webhooks-table">
      {webhooks.map((webhook) => (
        <WebhookRow key={webhook.id} webhook={webhook} onEdit={() => onEdit(webhook)} />
      ))}
    
    </DataTable>
  );
}

function describeSends(webhook: Webhook): string {
  const outcomes = [webhook.notifyOnFailure && 'failures', webhook.notifyOnPartial && 'problems', webhook.notifyOnSuccess && 'successes'].filter(Boolean);
  const what = outcomes.length === 0 ? 'Nothing' : outcomes.join(', ').replace(/^./, (c) => c.toUpperCase());
  const scope = webhook.identityIds === null ? 'every identity' : plural(webhook.identityIds.length, 'identity', 'identities');
  return `${what}; ${scope}${webhook.enabled ? '' : ' (paused)'}`;
}

function WebhookRow({ webhook, onEdit }: { webhook: Webhook; onEdit: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr data-webhook={webhook.id}>
        <td>{webhook.name}</td>
        <td>{kindLabel(webhook.kind)}</td>
        <td>
          <code>{webhook.urlDisplay}</code>
          {webhook.kind === 'json' && <div className="cell-note">{webhook.secretSet ? 'Signed' : 'Not signed'}</div>}
        </td>
        <td>{describeSends(webhook)}</td>
        <td>{webhook.lastDelivery ? <DeliveryOutcome delivery={webhook.lastDelivery} /> : 'None yet'}</td>
        <WebhookActions webhook={webhook} onEdit={onEdit} open={open} onToggle={() => setOpen((o) => !o)} />
      </tr>
      {open && (
        <tr className="webhook-deliveries-row">
          <td colSpan={6}>
            <Deliveries webhook={webhook} />
          </td>
        </tr>
      )}
    </>
  );
}

function DeliveryOutcome({ delivery }: { delivery: WebhookDelivery }) {
  return (
    <>
      <StatusBadge status={delivery.status} />
      <div className="cell-note">
        {formatDateTime(delivery.finishedAt ?? delivery.createdAt)}
        {delivery.responseStatus !== null && `, HTTP ${delivery.responseStatus}`}
        {delivery.attempts > 1 && `, ${delivery.attempts} attempts`}
      </div>
      {delivery.error && <span className="cell-error">{delivery.error}</span>}
    </>
  );
}

/** Send a test (its outcome shown here), the last deliveries, Edit, and Delete after a confirming second press. */
function WebhookActions({ webhook, onEdit, open, onToggle }: { webhook: Webhook; onEdit: () => void; open: boolean; onToggle: () => void }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: notificationKeys.webhooks });
    void queryClient.invalidateQueries({ queryKey: notificationKeys.deliveries(webhook.id) });
  };
  const test = useMutation({ mutationFn: () => testWebhook(client, webhook.id), onSettled: refresh });
  const remove = useMutation({ mutationFn: () => deleteWebhook(client, webhook.id), onSettled: refresh });
  const error = test.error ?? remove.error;
  return (
    <td className="webhook-actions">
      <calcite-button appearance="outline" scale="s" iconStart="send" loading={test.isPending} onClick={() => test.mutate()} label={`Send a test to ${webhook.name}`}>
        Send a test
      </calcite-button>
      <calcite-button appearance="outline" scale="s" iconStart={open ? 'chevron-up' : 'list'} onClick={onToggle} label={`${open ? 'Hide' : 'Show'} the deliveries of ${webhook.name}`}>
        Deliveries
      </calcite-button>
      <calcite-button appearance="outline" scale="s" iconStart="pencil" onClick={onEdit} label={`Edit ${webhook.name}`}>
        Edit
      </calcite-button>
      <DeleteButton name={webhook.name} busy={remove.isPending} onDelete={() => remove.mutate()} />
      <div role="status" className="test-outcome">
        {test.data &&
          (test.data.status === 'delivered' ? (
            <span className="cell-success">Test delivered{test.data.responseStatus !== null ? ` (HTTP ${test.data.responseStatus})` : ''}.</span>
          ) : (
            <span className="cell-error">Test not delivered: {test.data.error ?? test.data.status}</span>
          ))}
      </div>
      {error !== null && <span className="cell-error">{error instanceof Error ? error.message : 'That did not work.'}</span>}
    </td>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const client = useApiClient();
  const deliveries = useQuery({
    queryKey: notificationKeys.deliveries(webhook.id),
    queryFn: ({ signal }) => listWebhookDeliveries(client, webhook.id, signal),
    refetchInterval: 5_000
  });
  if (deliveries.error) return <ErrorNotice error={deliveries.error} title="The deliveries could not be loaded" />;
  if (!deliveries.data) return <calcite-loader label="Loading deliveries" inline />;
  const list = deliveries.data.deliveries;
  if (list.length === 0) return <p className="form-field-help">Nothing sent to {webhook.name} yet.</p>;
  return (
    <table className="data-table deliveries-table">
      <caption>Last deliveries to {webhook.name}</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Message</th>
          <th scope="col">Status</th>
          <th scope="col">HTTP</th>
          <th scope="col">Attempts</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {list.map((d) => (
          <tr key={d.id} data-delivery={d.id}>
            <td>{formatDateTime(d.createdAt)}</td>
            <td>{d.event === 'test' ? `${d.summary} (test)` : d.summary}</td>
            <td>
              <StatusBadge status={d.status} />
            </td>
            <td>{d.responseStatus ?? '–'}</td>
            <td>{d.attempts}</td>
            <td>
              {d.error && <span className="cell-error">{d.error}</span>}
              {d.nextAttemptAt && <div className="cell-note">Next attempt {formatDateTime(d.nextAttemptAt)}</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
