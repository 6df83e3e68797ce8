/**
 * The body each kind of webhook gets. Everything shown is plain text: operation messages can carry text from ArcGIS
 * (titles, error messages), which is hostile, so no receiver may read it as markup or links.
 *
 * - `json`: OrgKeeper's own document (README: Webhooks). JSON strings are data, whatever they hold.
 * - `slack`: a Slack incoming-webhook message: `text` (the notification's fallback, mrkdwn, so `&`, `<` and `>` are
 *   escaped as Slack documents, which also keeps `<!channel>` or `<url|label>` from working) and Block Kit `blocks`
 *   whose text objects are `plain_text` (no mrkdwn, links or mentions), cut to Slack's limits (header 150 characters,
 *   section text 3000, fields 2000, at most 10 fields). Only OrgKeeper's own link to the log is mrkdwn.
 * - `teams`: a Microsoft Teams Workflows webhook ("When a Teams webhook request is received" / "Post to a channel when
 *   a webhook request is received"): `{ type: 'message', attachments: [{ contentType:
 *   'application/vnd.microsoft.card.adaptive', content: <Adaptive Card> }] }`. Workflows accept Adaptive Cards only,
 *   not the legacy MessageCard of the retired Office 365 connectors, hence this format. Adaptive Card TextBlocks and
 *   FactSets render a Markdown subset with no plain-text switch, so the characters that make emphasis or links
 *   (`\ * _ [ ] ( ) ~ \``) are escaped with a backslash; the log link is an Action.OpenUrl of OrgKeeper's own URL.
 */
import type { OperationNotice } from './operation-notice.js';
import type { WebhookEvent, WebhookKind } from './webhook.types.js';

/** What a webhook message says, before it is put in a kind's format. */
export interface WebhookMessage {
  event: WebhookEvent;
  deliveryId: string;
  occurredAt: string;
  /** One line, e.g. `Backup of City GIS failed`. */
  summary: string;
  /** More text (the operation's message), plain. */
  text: string | null;
  facts: { name: string; value: string }[];
  link: { url: string; label: string } | null;
  tone: 'good' | 'warning' | 'attention' | 'neutral';
  /** The `json` kind's document. */
  document: Record<string, unknown>;
}

export function operationMessage(notice: OperationNotice, deliveryId: string, occurredAt: string): WebhookMessage {
  const op = notice.operation;
  const tone = op.status === 'succeeded' ? 'good' : op.status === 'failed' ? 'attention' : op.status === 'cancelled' ? 'neutral' : 'warning';
  return {
    event: 'operation.finished',
    deliveryId,
    occurredAt,
    summary: notice.title,
    text: notice.message,
    facts: [{ name: 'Status', value: op.status }, ...notice.facts],
    link: notice.logUrl ? { url: notice.logUrl, label: 'Open the log in OrgKeeper' } : null,
    tone,
    document: {
      event: 'operation.finished',
      deliveryId,
      occurredAt,
      summary: notice.title,
      operation: {
        id: op.id,
        kind: op.kind,
        status: op.status,
        message: op.message,
        identity: notice.identity,
        startedBy: op.createdBy,
        createdAt: op.createdAt,
        startedAt: op.startedAt,
        finishedAt: op.finishedAt,
        durationSeconds: notice.durationSeconds,
        snapshotId: op.snapshotId,
        logUrl: notice.logUrl
      }
    }
  };
}

export function testMessage(deliveryId: string, occurredAt: string, sentBy: string, publicUrl: string | undefined): WebhookMessage {
  const text = `This is a test message from OrgKeeper, sent by ${sentBy}. If you read this, OrgKeeper can tell you here when backups, restores and scans end.`;
  return {
    event: 'test',
    deliveryId,
    occurredAt,
    summary: 'OrgKeeper test message',
    text,
    facts: [{ name: 'Sent by', value: sentBy }],
    link: publicUrl ? { url: publicUrl, label: 'Open OrgKeeper' } : null,
    tone: 'neutral',
    document: { event: 'test', deliveryId, occurredAt, summary: 'OrgKeeper test message', message: text, sentBy }
  };
}

/** The JSON body for a webhook of this kind. */
export function webhookBody(kind: WebhookKind, message: WebhookMessage): string {
  switch (kind) {
    case 'json':
      return JSON.stringify(message.document);
    case 'slack':
      return JSON.stringify(slackMessage(message));
    case 'teams':
      return JSON.stringify(teamsMessage(message));
  }
}

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Slack's escaping for mrkdwn text: only these three characters (its "Escaping text" rules). */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackMessage(message: WebhookMessage): Record<string, unknown> {
  const plain = (text: string, max: number) => ({ type: 'plain_text', text: cut(text, max), emoji: false });
  const blocks: Record<string, unknown>[] = [{ type: 'header', text: plain(message.summary, 150) }];
  if (message.text) blocks.push({ type: 'section', text: plain(message.text, 3000) });
  const facts = message.facts.filter((f) => f.value !== '').slice(0, 10);
  if (facts.length > 0) blocks.push({ type: 'section', fields: facts.map((f) => plain(`${f.name}: ${f.value}`, 2000)) });
  // OrgKeeper's own URL (a UUID path), so it cannot hold `|` or `>`.
  if (message.link) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${message.link.url}|${slackEscape(message.link.label)}>` }] });
  const fallback = message.text ? `${message.summary}: ${message.text}` : message.summary;
  return { text: slackEscape(cut(fallback, 3000)), blocks };
}

/** Backslash-escapes what makes emphasis or links in an Adaptive Card's Markdown subset. */
export function teamsEscape(text: string): string {
  return text.replace(/[\\*_[\]()~`]/g, (c) => `\\${c}`);
}

function teamsMessage(message: WebhookMessage): Record<string, unknown> {
  const color = { good: 'Good', warning: 'Warning', attention: 'Attention', neutral: 'Default' }[message.tone];
  const body: Record<string, unknown>[] = [{ type: 'TextBlock', text: teamsEscape(cut(message.summary, 500)), weight: 'Bolder', size: 'Medium', color, wrap: true }];
  if (message.text) body.push({ type: 'TextBlock', text: teamsEscape(cut(message.text, 5000)), wrap: true });
  const facts = message.facts.filter((f) => f.value !== '');
  if (facts.length > 0) body.push({ type: 'FactSet', facts: facts.map((f) => ({ title: teamsEscape(f.name), value: teamsEscape(cut(f.value, 1000)) })) });
  const card: Record<string, unknown> = { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body };
  if (message.link) card.actions = [{ type: 'Action.OpenUrl', title: message.link.label, url: message.link.url }];
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}
