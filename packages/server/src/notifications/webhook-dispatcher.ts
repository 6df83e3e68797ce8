/**
 * Sends webhook deliveries. A delivery is a row (webhook_deliveries) written when its event happens, so nothing waits
 * on a receiver: an operation's end only inserts rows, and this dispatcher sends them in the background, at most
 * `concurrency` at once per process. Because the rows are the queue, a delivery survives a restart, and several
 * processes on one database (servers, CLI commands) share it: each claims a delivery with a conditional update and a
 * lease (`claimed_until`), so one process sends it, and one that dies mid-send leaves it to be taken again.
 *
 * An attempt that gets no answer, HTTP 408, 429 or 5xx is tried again after an exponential backoff with jitter
 * (longer when the receiver's Retry-After asks for it, capped at `maxDelayMs`), up to `maxAttempts`; any other answer,
 * a refused address or a redirect ends it. A test delivery is tried once, so the administrator sees the outcome at once.
 */
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../lib/clock.js';
import { CoalescingPump } from '../lib/coalescing-pump.js';
import type { Resolve } from '../http/outbound-target.js';
import { newRunnerId } from '../operations/runner-id.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { WebhookRepository } from './webhook.repository.js';
import { postWebhook, type SendResult } from './webhook-sender.js';
import { DELIVERY_HEADER, EVENT_HEADER, signatureHeaders } from './webhook-signature.js';
import type { WebhookDeliveryRow, WebhookRow } from './webhook.types.js';

export interface WebhookDeliveryPolicy {
  /** Time limit of one attempt (connection, sending, the answer's status). */
  timeoutMs: number;
  maxAttempts: number;
  /** Backoff before the second attempt; doubled for each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How often a server looks for due deliveries (retries, and those written by other processes). */
  pollMs: number;
  /** Attempts in flight at once in this process. */
  concurrency: number;
  /** Deliveries of one webhook still waiting: beyond this, new ones are recorded as dropped (the queue is bounded). */
  maxUnfinishedPerWebhook: number;
  /** Finished deliveries kept per webhook (the history the page shows). */
  keepFinished: number;
}

export const DEFAULT_DELIVERY_POLICY: WebhookDeliveryPolicy = {
  timeoutMs: 10_000,
  maxAttempts: 8,
  baseDelayMs: 15_000,
  maxDelayMs: 60 * 60_000,
  pollMs: 5_000,
  concurrency: 4,
  maxUnfinishedPerWebhook: 100,
  keepFinished: 50
};

export const urlSealing = (webhookId: string) => `webhook:${webhookId}:url`;
export const secretSealing = (webhookId: string) => `webhook:${webhookId}:secret`;

export interface WebhookDispatcherDeps {
  repository: WebhookRepository;
  secretBox: SecretBox | undefined;
  clock: Clock;
  logger: Logger;
  policy: WebhookDeliveryPolicy;
  resolve?: Resolve;
}

interface AttemptOutcome {
  delivered: boolean;
  retryable: boolean;
  responseStatus: number | null;
  error: string | null;
  retryAfterSeconds?: number;
}

export class WebhookDispatcher {
  readonly runnerId = newRunnerId();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly pumper = new CoalescingPump(() => this.startDue(), {
    active: () => this.running,
    onError: (error) => this.deps.logger.warn({ err: error }, 'could not look for webhook deliveries')
  });
  private readonly inflight = new Map<string, Promise<void>>();
  private stopping = new AbortController();

  constructor(private readonly deps: WebhookDispatcherDeps) {}

  /** Starts sending in the background (the server). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = new AbortController();
    this.timer = setInterval(() => void this.pump(), this.deps.policy.pollMs);
    this.timer.unref();
    void this.pump();
  }

  get active(): boolean {
    return this.running;
  }

  /** Stops taking deliveries; attempts in flight are stopped and stay due, to be sent after the next start. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await Promise.allSettled([...this.inflight.values()]);
  }

  /** New deliveries are waiting: send them now rather than at the next poll. */
  kick(): void {
    if (this.running) void this.pump();
  }

  /**
   * Tries these deliveries once now and waits for the outcome (a CLI command before it exits; a failure left to retry
   * is sent later by a server). Those another process is sending are left to it.
   */
  async sendNow(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const rows = await this.deps.repository.due(this.now(), ids.length, ids);
    await Promise.all(rows.map(async (row) => ((await this.claim(row)) ? this.attempt(row) : undefined)));
  }

  /** Sends a delivery this process inserted already claimed (status `sending`, claimed by `runnerId`): the test button. */
  attemptClaimed(row: WebhookDeliveryRow): Promise<void> {
    return this.attempt(row);
  }

  /** A claim on a delivery for this process, lasting longer than one attempt can. */
  claimUntil(): string {
    return new Date(this.deps.clock().getTime() + this.deps.policy.timeoutMs + 60_000).toISOString();
  }

  private pump(): Promise<void> {
    return this.pumper.pump();
  }

  /** One pass: claims due deliveries while there is room and starts their attempts. */
  private async startDue(): Promise<void> {
    const room = this.deps.policy.concurrency - this.inflight.size;
    if (room <= 0) return;
    for (const row of await this.deps.repository.due(this.now(), room + this.inflight.size)) {
      if (!this.running || this.inflight.size >= this.deps.policy.concurrency) break;
      if (this.inflight.has(row.id) || !(await this.claim(row))) continue;
      const attempt = this.attempt(row)
        .catch((error: unknown) => this.deps.logger.error({ err: error, deliveryId: row.id }, 'webhook delivery bookkeeping failed'))
        .finally(() => {
          this.inflight.delete(row.id);
          if (this.running) void this.pump();
        });
      this.inflight.set(row.id, attempt);
    }
  }

  private claim(row: WebhookDeliveryRow): Promise<boolean> {
    return this.deps.repository.claim(row.id, this.runnerId, this.now(), this.claimUntil());
  }

  /** One attempt of a delivery this process holds, and its outcome written. */
  private async attempt(row: WebhookDeliveryRow): Promise<void> {
    const webhook = await this.deps.repository.findById(row.webhook_id);
    // Deleted meanwhile: its deliveries went with it.
    if (!webhook) return;
    const attempts = row.attempts + 1;
    // Turned off while it waited (e.g. to stop messages to a channel): not sent. A test is sent whatever the switch says.
    const outcome: AttemptOutcome | 'stopped' =
      webhook.enabled !== 1 && row.event !== 'test'
        ? { delivered: false, retryable: false, responseStatus: null, error: 'Not sent: the webhook was turned off before it could be delivered.' }
        : await this.send(webhook, row);
    const now = this.deps.clock();
    if (outcome === 'stopped') {
      // Shutdown cut it off: not the receiver's fault, so not an attempt; due again at the next start.
      await this.deps.repository.finishAttempt(row.id, this.runnerId, { status: 'pending', next_attempt_at: now.toISOString(), updated_at: now.toISOString() });
      return;
    }
    const sent = webhook.enabled === 1 || row.event === 'test';
    const retry = outcome.retryable && row.event !== 'test' && attempts < this.deps.policy.maxAttempts;
    const finished = outcome.delivered || !retry;
    const error =
      outcome.error === null ? null : !outcome.delivered && !retry && outcome.retryable && attempts > 1 ? `${outcome.error} Gave up after ${attempts} attempts.` : outcome.error;
    await this.deps.repository.finishAttempt(row.id, this.runnerId, {
      status: outcome.delivered ? 'delivered' : retry ? 'pending' : 'failed',
      attempts: sent ? attempts : row.attempts,
      response_status: outcome.responseStatus,
      error,
      next_attempt_at: retry ? new Date(now.getTime() + this.delayMs(attempts, outcome.retryAfterSeconds)).toISOString() : null,
      updated_at: now.toISOString(),
      finished_at: finished ? now.toISOString() : null
    });
    const log = { webhook: webhook.name, deliveryId: row.id, attempts, status: outcome.responseStatus };
    if (outcome.delivered) this.deps.logger.info(log, 'webhook delivered');
    else this.deps.logger.warn({ ...log, error, retry }, retry ? 'webhook delivery failed; will try again' : 'webhook delivery failed');
    if (finished) await this.deps.repository.trimFinished(webhook.id, this.deps.policy.keepFinished);
  }

  private async send(webhook: WebhookRow, row: WebhookDeliveryRow): Promise<AttemptOutcome | 'stopped'> {
    let url: string;
    let secret: string | null = null;
    try {
      if (!this.deps.secretBox) throw new Error('no master key');
      url = this.deps.secretBox.openString(webhook.url, urlSealing(webhook.id));
      if (webhook.kind === 'json' && webhook.secret) secret = this.deps.secretBox.openString(webhook.secret, secretSealing(webhook.id));
    } catch {
      return { delivered: false, retryable: false, responseStatus: null, error: 'The webhook’s URL or secret cannot be decrypted with this master key; enter the URL (and secret) again.' };
    }
    const headers: Record<string, string> = { [EVENT_HEADER]: row.event, [DELIVERY_HEADER]: row.id };
    if (secret !== null) Object.assign(headers, signatureHeaders(secret, row.body, Math.floor(this.deps.clock().getTime() / 1000)));
    const result = await postWebhook(url, row.body, headers, {
      timeoutMs: this.deps.policy.timeoutMs,
      signal: this.stopping.signal,
      ...(this.deps.resolve ? { resolve: this.deps.resolve } : {})
    });
    if (this.stopping.signal.aborted && result.kind === 'unreachable') return 'stopped';
    return outcomeOf(result, new URL(url));
  }

  /** Backoff before attempt `attempts + 1`: doubling from the base, with up to 25% jitter, at least Retry-After. */
  private delayMs(attempts: number, retryAfterSeconds: number | undefined): number {
    const { baseDelayMs, maxDelayMs } = this.deps.policy;
    const backoff = baseDelayMs * 2 ** (attempts - 1) * (1 + Math.random() * 0.25);
    return Math.min(maxDelayMs, Math.max(backoff, (retryAfterSeconds ?? 0) * 1000));
  }

  private now(): string {
    return this.deps.clock().toISOString();
  }
}

/** What an attempt's result means: delivered, worth another attempt, or final; the error in words for people. */
export function outcomeOf(result: SendResult, url: URL): AttemptOutcome {
  if (result.kind === 'refused') return { delivered: false, retryable: false, responseStatus: null, error: result.message };
  if (result.kind === 'unreachable') return { delivered: false, retryable: true, responseStatus: null, error: result.message };
  const status = result.status;
  if (status >= 200 && status < 300) return { delivered: true, retryable: false, responseStatus: status, error: null };
  const retryAfter = result.retryAfterSeconds !== undefined ? { retryAfterSeconds: result.retryAfterSeconds } : {};
  if (status >= 300 && status < 400) {
    let where = 'elsewhere';
    try {
      where = `to ${new URL(result.location ?? '', url).host}`;
    } catch {
      // A Location that is no URL: "elsewhere".
    }
    return {
      delivered: false,
      retryable: false,
      responseStatus: status,
      error: `${url.host} answered HTTP ${status}, a redirect ${where}; OrgKeeper does not follow redirects of webhooks. Enter the URL it redirects to.`
    };
  }
  if (status === 408 || status === 429 || status >= 500) {
    const why = status === 429 ? 'too many requests' : status === 408 ? 'request timeout' : 'a server error';
    return { delivered: false, retryable: true, responseStatus: status, error: `${url.host} answered HTTP ${status} (${why}).`, ...retryAfter };
  }
  const hint =
    status === 401 || status === 403
      ? ' Check the URL (a Slack or Teams webhook URL is itself the credential) and, for a signed webhook, that the receiver has the same secret.'
      : status === 404 || status === 410
        ? ' The webhook may have been removed at the receiver; check the URL.'
        : status === 400
          ? ' The receiver did not accept the message; check that the webhook’s kind (JSON, Slack, Teams) matches the receiver.'
          : '';
  return { delivered: false, retryable: false, responseStatus: status, error: `${url.host} refused the message with HTTP ${status}.${hint}` };
}
