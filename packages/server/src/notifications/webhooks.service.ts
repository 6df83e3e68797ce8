/**
 * Webhooks: a generic JSON hook signed with HMAC-SHA256, Slack and Microsoft Teams incoming webhooks, with the same
 * triggers as email (failed or interrupted, partial, succeeded; every identity or chosen ones). URLs and signing
 * secrets are sealed with the SecretBox (a Slack or Teams URL lets anyone who has it post to the channel) and never
 * returned; a signing secret OrgKeeper makes is shown once. When an operation ends, each webhook that wants it gets a
 * delivery row; the dispatcher (webhook-dispatcher.ts) sends them in the background with retries, so an operation
 * never waits on a receiver. No ArcGIS token or credential is ever part of a message.
 */
import { randomBytes } from 'node:crypto';
import { actorName, type Actor, type AuditService } from '../audit/audit.service.js';
import type { Db } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { checkOutboundTarget, type Resolve } from '../http/outbound-target.js';
import type { IdentityRepository } from '../identities/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../logging/logger.js';
import type { OperationView } from '../operations/operation.types.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { checkIdentityIds } from './identity-selection.js';
import { operationNotice, wantsOperation, type NotificationTriggers } from './operation-notice.js';
import { DEFAULT_DELIVERY_POLICY, secretSealing, urlSealing, WebhookDispatcher, type WebhookDeliveryPolicy } from './webhook-dispatcher.js';
import { operationMessage, testMessage, webhookBody } from './webhook-payloads.js';
import { WebhookRepository } from './webhook.repository.js';
import {
  WEBHOOK_KINDS,
  type SavedWebhook,
  type WebhookDeliveryRow,
  type WebhookDeliveryView,
  type WebhookInput,
  type WebhookKind,
  type WebhookRow,
  type WebhookView
} from './webhook.types.js';
import { deliveryView, urlDisplay } from './webhook-views.js';

const KNOWN_FIELDS = ['name', 'kind', 'url', 'secret', 'rotateSecret', 'enabled', 'notifyOnFailure', 'notifyOnPartial', 'notifyOnSuccess', 'identityIds'];
const KIND_NAMES: Record<WebhookKind, string> = { json: 'JSON (signed)', slack: 'Slack', teams: 'Microsoft Teams' };
/** At most this many webhooks: each operation's end writes a delivery per webhook. */
const MAX_WEBHOOKS = 50;

export interface WebhooksServiceDeps {
  db: Db;
  secretBox: SecretBox | undefined;
  identities: IdentityRepository;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  publicUrl?: string;
  policy?: Partial<WebhookDeliveryPolicy>;
  /** Host name resolution (tests pass their own). */
  resolve?: Resolve;
}

export class WebhooksService {
  private readonly repository: WebhookRepository;
  private readonly dispatcher: WebhookDispatcher;
  private publicUrl: string | undefined;
  /** Deliveries this process wrote and may still send itself (a CLI command sends them before it exits). */
  private readonly enqueuedHere = new Set<string>();

  constructor(private readonly deps: WebhooksServiceDeps) {
    this.repository = new WebhookRepository(deps.db);
    this.publicUrl = deps.publicUrl;
    this.dispatcher = new WebhookDispatcher({
      repository: this.repository,
      secretBox: deps.secretBox,
      clock: deps.clock,
      logger: deps.logger,
      policy: { ...DEFAULT_DELIVERY_POLICY, ...deps.policy },
      ...(deps.resolve ? { resolve: deps.resolve } : {})
    });
  }

  setPublicUrl(url: string): void {
    this.publicUrl = url;
  }

  /** Sends deliveries in the background (the server, from start to stop). */
  start(): void {
    this.dispatcher.start();
  }

  stop(): Promise<void> {
    return this.dispatcher.stop();
  }

  /** Whether this process sends deliveries in the background. */
  get sending(): boolean {
    return this.dispatcher.active;
  }

  /**
   * Tries once more, now, what this process wrote and has not sent (a CLI command before it exits, so a backup run
   * from cron notifies without a server). What still fails is retried by a server when one runs.
   */
  async flush(): Promise<void> {
    const ids = [...this.enqueuedHere];
    this.enqueuedHere.clear();
    if (this.dispatcher.active) return;
    await this.dispatcher.sendNow(ids);
  }

  async list(): Promise<WebhookView[]> {
    return Promise.all((await this.repository.list()).map((row) => this.view(row)));
  }

  async get(id: string): Promise<WebhookView> {
    return this.view(await this.require(id));
  }

  /** A webhook by id or (case-insensitive) name: what the CLI names. */
  async findByIdOrName(idOrName: string): Promise<WebhookView> {
    const row = (await this.repository.findById(idOrName)) ?? (await this.repository.findByNameKey(idOrName.trim().toLowerCase()));
    if (!row) throw new AppError('not_found', `There is no webhook named "${idOrName}"; \`orgkeeper notifications webhook list\` shows them.`);
    return this.view(row);
  }

  async create(input: unknown, actor: Actor): Promise<SavedWebhook> {
    const patch = asInput(input);
    if ((await this.repository.list()).length >= MAX_WEBHOOKS) throw new AppError('conflict', `OrgKeeper keeps at most ${MAX_WEBHOOKS} webhooks; delete one first.`);
    const fields: Record<string, string> = {};
    if (patch.url === undefined) fields.url = 'Give the webhook’s URL.';
    if (patch.kind === undefined) fields.kind = `Choose the kind: ${WEBHOOK_KINDS.join(', ')}.`;
    const checked = await this.check(patch, undefined, fields);
    const id = newId();
    const now = this.deps.clock().toISOString();
    const { secret, made } = this.secretFor(checked.kind, patch, null);
    const row: WebhookRow = {
      id,
      name: checked.name,
      name_key: checked.name.toLowerCase(),
      kind: checked.kind,
      url: this.seal(checked.url!, urlSealing(id)),
      url_display: urlDisplay(checked.url!),
      secret: secret === null ? null : this.seal(secret, secretSealing(id)),
      enabled: (patch.enabled ?? true) ? 1 : 0,
      notify_failure: (patch.notifyOnFailure ?? true) ? 1 : 0,
      notify_partial: (patch.notifyOnPartial ?? true) ? 1 : 0,
      notify_success: (patch.notifyOnSuccess ?? false) ? 1 : 0,
      identity_ids: checked.identityIds === null ? null : JSON.stringify(checked.identityIds),
      created_by: actorName(actor),
      created_at: now,
      updated_by: actorName(actor),
      updated_at: now
    };
    if ((await this.repository.insert(row)) === 'name') throw AppError.validation({ name: `A webhook named "${checked.name}" exists already; choose another name.` });
    const webhook = await this.view(row);
    await this.audit(actor, 'notifications.webhook.create', webhook, { secretMade: made });
    return made ? { webhook, secret: secret! } : { webhook };
  }

  async update(id: string, input: unknown, actor: Actor): Promise<SavedWebhook> {
    const current = await this.require(id);
    const patch = asInput(input);
    const fields: Record<string, string> = {};
    const checked = await this.check(patch, current, fields);
    const kindChanged = checked.kind !== current.kind;
    const { secret, made } = this.secretFor(checked.kind, patch, kindChanged ? null : current.secret);
    const changes = {
      name: checked.name,
      name_key: checked.name.toLowerCase(),
      kind: checked.kind,
      ...(checked.url !== undefined ? { url: this.seal(checked.url, urlSealing(id)), url_display: urlDisplay(checked.url) } : {}),
      // A secret given or made now is sealed; one kept stays sealed as it is.
      secret: secret === null ? null : secret === current.secret ? current.secret : this.seal(secret, secretSealing(id)),
      enabled: (patch.enabled ?? current.enabled === 1) ? 1 : 0,
      notify_failure: (patch.notifyOnFailure ?? current.notify_failure === 1) ? 1 : 0,
      notify_partial: (patch.notifyOnPartial ?? current.notify_partial === 1) ? 1 : 0,
      notify_success: (patch.notifyOnSuccess ?? current.notify_success === 1) ? 1 : 0,
      identity_ids: checked.identityIds === null ? null : JSON.stringify(checked.identityIds),
      updated_by: actorName(actor),
      updated_at: this.deps.clock().toISOString()
    };
    if ((await this.repository.update(id, changes)) === 'name') throw AppError.validation({ name: `A webhook named "${checked.name}" exists already; choose another name.` });
    const webhook = await this.get(id);
    await this.audit(actor, 'notifications.webhook.update', webhook, { urlChanged: checked.url !== undefined, secretChanged: secret !== current.secret, secretMade: made });
    return made ? { webhook, secret: secret! } : { webhook };
  }

  async remove(id: string, actor: Actor): Promise<void> {
    const webhook = await this.get(id);
    await this.repository.delete(id);
    await this.audit(actor, 'notifications.webhook.delete', webhook, {});
  }

  /** Sends a test message now, once, and answers how it went (also recorded with the webhook's deliveries). */
  async test(id: string, actor: Actor): Promise<WebhookDeliveryView> {
    const webhook = await this.require(id);
    const deliveryId = newId();
    const now = this.deps.clock().toISOString();
    const message = testMessage(deliveryId, now, actorName(actor), this.publicUrl);
    // Inserted already claimed by this process, so no background sender takes it meanwhile.
    const row: WebhookDeliveryRow = {
      ...this.deliveryRow(webhook, deliveryId, 'test', null, message.summary, webhookBody(webhook.kind, message), now),
      status: 'sending',
      claimed_by: this.dispatcher.runnerId,
      claimed_until: this.dispatcher.claimUntil()
    };
    await this.repository.insertDelivery(row);
    await this.dispatcher.attemptClaimed(row);
    const delivery = deliveryView((await this.repository.findDelivery(deliveryId))!);
    await this.deps.audit.record({
      actor,
      action: 'notifications.webhook.test',
      target: webhook.id,
      result: delivery.status === 'delivered' ? 'success' : 'failure',
      details: { name: webhook.name, kind: webhook.kind, url: webhook.url_display, responseStatus: delivery.responseStatus, error: delivery.error }
    });
    return delivery;
  }

  async deliveries(id: string, limit = 20): Promise<WebhookDeliveryView[]> {
    await this.require(id);
    return (await this.repository.listDeliveries(id, Math.max(1, Math.min(limit, 100)))).map(deliveryView);
  }

  /**
   * After an operation ends: a delivery for each enabled webhook that wants this outcome and identity. Only writes
   * rows (the dispatcher sends them); never throws. A webhook with too many deliveries still waiting (its receiver
   * keeps failing) gets this one recorded as dropped, so the queue stays bounded.
   */
  async operationFinished(operation: OperationView): Promise<void> {
    try {
      const hooks = (await this.repository.list()).filter((row) => row.enabled === 1 && wantsOperation(triggersOf(row), operation));
      if (hooks.length === 0) return;
      const identity = operation.identityId ? await this.deps.identities.findById(operation.identityId) : undefined;
      const notice = operationNotice(operation, identity ? { id: identity.id, name: identity.name } : null, this.publicUrl);
      const now = this.deps.clock().toISOString();
      const policy = { ...DEFAULT_DELIVERY_POLICY, ...this.deps.policy };
      for (const hook of hooks) {
        const deliveryId = newId();
        const row = this.deliveryRow(hook, deliveryId, 'operation.finished', operation.id, notice.title, webhookBody(hook.kind, operationMessage(notice, deliveryId, now)), now);
        const waiting = await this.repository.countUnfinished(hook.id);
        if (waiting >= policy.maxUnfinishedPerWebhook) {
          await this.repository.insertDelivery({
            ...row,
            status: 'failed',
            next_attempt_at: null,
            finished_at: now,
            error: `Not sent: ${waiting} earlier deliveries to this webhook are still waiting (its receiver keeps failing), so this one was dropped.`
          });
          this.deps.logger.warn({ webhook: hook.name, operationId: operation.id }, 'webhook delivery dropped: too many waiting');
          continue;
        }
        await this.repository.insertDelivery(row);
        this.enqueuedHere.add(deliveryId);
      }
      this.dispatcher.kick();
    } catch (error) {
      this.deps.logger.warn({ err: error, operationId: operation.id }, 'could not queue webhook deliveries');
    }
  }

  private deliveryRow(webhook: WebhookRow, id: string, event: WebhookDeliveryRow['event'], operationId: string | null, summary: string, body: string, now: string): WebhookDeliveryRow {
    return {
      id,
      webhook_id: webhook.id,
      event,
      operation_id: operationId,
      summary: summary.slice(0, 500),
      body,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      claimed_by: null,
      claimed_until: null,
      response_status: null,
      error: null,
      created_at: now,
      updated_at: now,
      finished_at: null
    };
  }

  /** Checks the fields of an add or a change; throws a validation error naming each problem. */
  private async check(patch: WebhookInput & Record<string, unknown>, current: WebhookRow | undefined, fields: Record<string, string>) {
    for (const key of Object.keys(patch)) if (!KNOWN_FIELDS.includes(key)) fields[key] = `Unknown setting "${key}".`;
    const name = typeof patch.name === 'string' ? patch.name.trim() : (current?.name ?? '');
    if (patch.name !== undefined && typeof patch.name !== 'string') fields.name = 'The name is text.';
    else if (name === '') fields.name = 'Give the webhook a name, e.g. "GIS team channel".';
    else if (name.length > 100) fields.name = 'The name is at most 100 characters.';
    const kind = (patch.kind ?? current?.kind ?? 'json') as WebhookKind;
    if (!WEBHOOK_KINDS.includes(kind)) fields.kind = `The kind is one of ${WEBHOOK_KINDS.join(', ')}.`;
    let url: string | undefined;
    if (patch.url !== undefined) {
      const problem = typeof patch.url === 'string' ? await this.urlProblem(patch.url.trim()) : 'The URL is text.';
      if (problem) fields.url = problem;
      else url = (patch.url as string).trim();
    }
    for (const key of ['enabled', 'notifyOnFailure', 'notifyOnPartial', 'notifyOnSuccess', 'rotateSecret'] as const) {
      if (patch[key] !== undefined && typeof patch[key] !== 'boolean') fields[key] = `${key} is true or false.`;
    }
    if (patch.secret !== undefined) {
      if (kind !== 'json') fields.secret = `${KIND_NAMES[kind] ?? kind} webhooks are not signed: their URL is their secret. Leave the secret out.`;
      else if (typeof patch.secret !== 'string' || patch.secret.length < 16 || patch.secret.length > 200)
        fields.secret = 'The signing secret is 16 to 200 characters; leave it out and OrgKeeper makes a strong one.';
    }
    if (patch.rotateSecret === true && kind !== 'json') fields.rotateSecret = 'Only JSON webhooks have a signing secret.';
    const identityIds =
      patch.identityIds === undefined
        ? current?.identity_ids
          ? (JSON.parse(current.identity_ids) as string[])
          : null
        : await checkIdentityIds(this.deps.identities, patch.identityIds, fields);
    if (Object.keys(fields).length > 0) throw AppError.validation(fields);
    return { name, kind, url, identityIds };
  }

  /** Why this URL cannot be a webhook's, or null. */
  private async urlProblem(text: string): Promise<string | null> {
    if (text.length > 2048) return 'The URL is at most 2048 characters.';
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return 'Give the full URL, starting with https://.';
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The URL starts with https:// (or http:// for a receiver on your own network).';
    if (url.username || url.password) return 'Put no user name or password in the URL; a JSON webhook is signed instead (X-OrgKeeper-Signature).';
    const target = await checkOutboundTarget(url, this.deps.resolve, 'Enter the address of the receiver itself.');
    // A name that does not resolve now may later (the test button says): only a refused address is an error here.
    return target.kind === 'refused' ? target.message : null;
  }

  /** The signing secret to keep: given, made now (`made`), or the current one; null for kinds that are not signed. */
  private secretFor(kind: WebhookKind, patch: WebhookInput, current: string | null): { secret: string | null; made: boolean } {
    if (kind !== 'json') return { secret: null, made: false };
    if (typeof patch.secret === 'string') return { secret: patch.secret, made: false };
    if (patch.rotateSecret === true || current === null) return { secret: randomBytes(32).toString('base64url'), made: true };
    return { secret: current, made: false };
  }

  private seal(value: string, associatedData: string): string {
    if (!this.deps.secretBox) throw new Error('Webhook URLs and secrets cannot be stored without the master key.');
    return this.deps.secretBox.seal(value, associatedData);
  }

  private async require(id: string): Promise<WebhookRow> {
    const row = await this.repository.findById(id);
    if (!row) throw new AppError('not_found', 'There is no such webhook; it may have been deleted.');
    return row;
  }

  private async view(row: WebhookRow): Promise<WebhookView> {
    const [last] = await this.repository.listDeliveries(row.id, 1);
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      urlDisplay: row.url_display,
      secretSet: row.secret !== null,
      ...triggersOf(row),
      enabled: row.enabled === 1,
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedBy: row.updated_by,
      updatedAt: row.updated_at,
      lastDelivery: last ? deliveryView(last) : null
    };
  }

  private async audit(actor: Actor, action: string, webhook: WebhookView, extra: Record<string, unknown>): Promise<void> {
    const { lastDelivery: _last, ...details } = webhook;
    await this.deps.audit.record({ actor, action, target: webhook.id, result: 'success', details: { ...details, ...extra } });
  }
}

function asInput(input: unknown): WebhookInput & Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw AppError.validation({ body: 'Send the webhook as a JSON object.' });
  return input as WebhookInput & Record<string, unknown>;
}

function triggersOf(row: WebhookRow): NotificationTriggers {
  return {
    notifyOnFailure: row.notify_failure === 1,
    notifyOnPartial: row.notify_partial === 1,
    notifyOnSuccess: row.notify_success === 1,
    identityIds: row.identity_ids === null ? null : (JSON.parse(row.identity_ids) as string[])
  };
}
