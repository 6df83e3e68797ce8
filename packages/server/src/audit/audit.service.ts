import { AppError } from '../errors/app-error.js';
import type { AuditEventRow } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../logging/logger.js';
import type { AuditRepository } from './audit.repository.js';

/** Who did something: a signed-in account, an API token, OrgKeeper itself or its CLI, or someone not (yet) signed in. */
export type Actor =
  | { kind: 'user'; userId: string; username: string }
  /** A request made with an API token: audited under the token's name. */
  | { kind: 'token'; tokenId: string; name: string }
  | { kind: 'system'; name: string }
  | { kind: 'anonymous'; name?: string };

/** The name an actor goes by in the audit log and in `created_by` columns: a username, `cli`, `scheduler`... */
export function actorName(actor: Actor): string {
  switch (actor.kind) {
    case 'user':
      return actor.username;
    case 'token':
    case 'system':
      return actor.name;
    default:
      return actor.name ?? 'anonymous';
  }
}

export type AuditResult = 'success' | 'failure' | 'denied';

export interface AuditRecord {
  actor: Actor;
  /** Dotted verb, e.g. `auth.login`, `setup.create_admin`, `user.create`, `identity.delete`. */
  action: string;
  /** What was acted on (a username, an identity id, ...). */
  target?: string | null;
  result: AuditResult;
  ip?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditEvent {
  id: string;
  occurredAt: string;
  actor: { kind: Actor['kind']; userId: string | null; name: string };
  ip: string | null;
  action: string;
  target: string | null;
  result: AuditResult;
  details: Record<string, unknown>;
}

const SECRET_KEY = /pass(word)?|secret|token|cookie|authorization|credential|api_?key|private_?key/i;
const MAX_LIMIT = 500;

export interface AuditServiceDeps {
  repository: AuditRepository;
  clock: Clock;
  logger: Logger;
}

/** The audit log: who did what, when, to what, and with which result. */
export class AuditService {
  constructor(private readonly deps: AuditServiceDeps) {}

  async record(record: AuditRecord): Promise<AuditEvent> {
    const actor = record.actor;
    const row: AuditEventRow = {
      id: newId(),
      occurred_at: this.deps.clock().toISOString(),
      actor_kind: actor.kind,
      actor_user_id: actor.kind === 'user' ? actor.userId : actor.kind === 'token' ? actor.tokenId : null,
      actor_name: actorName(actor),
      ip: record.ip ?? null,
      action: record.action,
      target: record.target ?? null,
      result: record.result,
      details: JSON.stringify(scrubSecrets(record.details ?? {}))
    };
    await this.deps.repository.insert(row);
    this.deps.logger.info(
      { audit: { action: row.action, actor: row.actor_name, target: row.target, result: row.result } },
      'audit event'
    );
    return toAuditEvent(row);
  }

  /** Newest first, at most `limit` (1-500); `before` is the id of the last event of the previous page. */
  async list(options: { limit?: number; before?: string }): Promise<{ events: AuditEvent[]; nextBefore: string | null }> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), MAX_LIMIT);
    let before: { occurredAt: string; id: string } | undefined;
    if (options.before) {
      const anchor = await this.deps.repository.findById(options.before);
      if (!anchor) {
        throw new AppError('validation_failed', 'The `before` cursor does not name an audit event.', {
          fields: { before: 'Use the `nextBefore` value of the previous page.' }
        });
      }
      before = { occurredAt: anchor.occurred_at, id: anchor.id };
    }
    const rows = await this.deps.repository.list({ limit, ...(before ? { before } : {}) });
    const events = rows.map(toAuditEvent);
    return { events, nextBefore: rows.length === limit ? (rows[rows.length - 1]?.id ?? null) : null };
  }
}

function toAuditEvent(row: AuditEventRow): AuditEvent {
  let details: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.details);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) details = parsed as Record<string, unknown>;
  } catch {
    details = { unreadable: row.details };
  }
  return {
    id: row.id,
    occurredAt: row.occurred_at,
    actor: { kind: row.actor_kind, userId: row.actor_user_id, name: row.actor_name },
    ip: row.ip,
    action: row.action,
    target: row.target,
    result: row.result,
    details
  };
}

/** Audit details are for people reading the log later: drop anything that looks like a secret. */
function scrubSecrets(value: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (SECRET_KEY.test(key)) out[key] = '[redacted]';
    else if (item && typeof item === 'object' && !Array.isArray(item) && depth < 4) {
      out[key] = scrubSecrets(item as Record<string, unknown>, depth + 1);
    } else out[key] = item;
  }
  return out;
}
