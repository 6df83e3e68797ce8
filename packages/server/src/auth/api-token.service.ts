import { createHash, randomBytes } from 'node:crypto';
import { actorName, type Actor, type AuditService } from '../audit/audit.service.js';
import type { Role } from '../db/schema.js';
import { AppError } from '../errors/app-error.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { ROLES } from '../users/index.js';
import type { ApiTokenRepository } from './api-token.repository.js';
import type { ApiTokenRow, ApiTokenView, CreatedApiTokenView, NewApiTokenInput } from './api-token.types.js';

/** Every token starts with this, so secret scanners and people recognize one in a script or a log. */
export const TOKEN_PREFIX = 'okt_';
/** `okt_` and 32 random bytes in base64url (43 characters): 256 bits no one can guess. */
const TOKEN_FORMAT = /^okt_[A-Za-z0-9_-]{43}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
export const TOKEN_NAME_RULES = 'Use 1 to 64 characters: letters, digits, spaces and . _ -, starting with a letter or digit.';
/** The last-used time is written at most this often per token (every request would be a write otherwise). */
const USE_RECORD_INTERVAL_MS = 60_000;
/** The furthest expiry accepted: a token for longer should be one that does not expire, said so explicitly. */
const MAX_EXPIRY_MS = 5 * 366 * 24 * 3600_000;

/**
 * The hash a token is stored and looked up by. SHA-256, not a slow password hash: the token is 256 random bits, so
 * no guessing attack can get through even a fast hash (a slow hash protects low-entropy secrets such as passwords);
 * a fast, unsalted hash lets every request find its token by an index lookup, and costs no CPU time an attacker could
 * make OrgKeeper spend by sending made-up tokens.
 */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token behind a request made with `Authorization: Bearer`. */
export interface TokenPrincipal {
  id: string;
  name: string;
  role: Role;
}

export interface ApiTokenServiceDeps {
  repository: ApiTokenRepository;
  audit: AuditService;
  clock: Clock;
}

/** API tokens: created by administrators with a role and an optional expiry, listed, revoked; requests authenticate with them. */
export class ApiTokenService {
  constructor(private readonly deps: ApiTokenServiceDeps) {}

  async create(input: NewApiTokenInput, actor: Actor, context: { ip?: string | null } = {}): Promise<CreatedApiTokenView> {
    const name = (input.name ?? '').trim();
    const now = this.deps.clock();
    const fields: Record<string, string> = {};
    if (!NAME.test(name)) fields.name = TOKEN_NAME_RULES;
    if (!ROLES.includes(input.role)) fields.role = `Use one of: ${ROLES.join(', ')}.`;
    let expiresAt: string | null = null;
    if (input.expiresAt !== undefined && input.expiresAt !== null && input.expiresAt !== '') {
      const at = Date.parse(input.expiresAt);
      if (Number.isNaN(at)) fields.expiresAt = 'Give the expiry as a date and time, e.g. 2031-01-31T00:00:00Z, or leave it empty for a token that does not expire.';
      else if (at <= now.getTime()) fields.expiresAt = 'The expiry is in the past; choose a later date.';
      else if (at - now.getTime() > MAX_EXPIRY_MS) fields.expiresAt = 'Choose an expiry within five years, or leave it empty for a token that does not expire.';
      else expiresAt = new Date(at).toISOString();
    }
    if (Object.keys(fields).length > 0) throw AppError.validation(fields);

    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row: ApiTokenRow = {
      id: newId(),
      name,
      name_key: name.toLowerCase(),
      token_hash: hashApiToken(token),
      token_prefix: token.slice(0, TOKEN_PREFIX.length + 4),
      role: input.role,
      created_at: now.toISOString(),
      created_by: actorName(actor),
      expires_at: expiresAt,
      last_used_at: null,
      last_used_ip: null
    };
    if (!(await this.deps.repository.insert(row))) {
      throw new AppError('conflict', `An API token named "${name}" already exists; choose another name, or revoke that token first.`, {
        fields: { name: 'This name is taken.' }
      });
    }
    await this.deps.audit.record({
      actor,
      action: 'token.create',
      target: name,
      result: 'success',
      ip: context.ip ?? null,
      details: { tokenId: row.id, role: row.role, expiresAt }
    });
    return { token, apiToken: this.view(row) };
  }

  async list(): Promise<ApiTokenView[]> {
    return (await this.deps.repository.list()).map((row) => this.view(row));
  }

  /** Revokes a token by id or name; `not_found` when there is none. */
  async revoke(idOrName: string, actor: Actor, context: { ip?: string | null } = {}): Promise<ApiTokenView> {
    const row = (await this.deps.repository.findById(idOrName)) ?? (await this.deps.repository.findByNameKey(idOrName.trim().toLowerCase()));
    if (!row || !(await this.deps.repository.delete(row.id))) {
      throw new AppError('not_found', `There is no API token "${idOrName}". List the tokens to see their names.`);
    }
    await this.deps.audit.record({ actor, action: 'token.revoke', target: row.name, result: 'success', ip: context.ip ?? null, details: { tokenId: row.id } });
    return this.view(row);
  }

  /** The token's principal, or null when the token is malformed, unknown (revoked) or expired. */
  async authenticate(token: string, ip: string | null): Promise<TokenPrincipal | null> {
    if (!TOKEN_FORMAT.test(token)) return null;
    const now = this.deps.clock();
    const row = await this.deps.repository.findActiveByHash(hashApiToken(token), now.toISOString());
    if (!row) return null;
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) >= USE_RECORD_INTERVAL_MS) {
      await this.deps.repository.recordUse(row.id, now.toISOString(), ip);
    }
    return { id: row.id, name: row.name, role: row.role };
  }

  private view(row: ApiTokenRow): ApiTokenView {
    return {
      id: row.id,
      name: row.name,
      role: row.role,
      prefix: row.token_prefix,
      createdAt: row.created_at,
      createdBy: row.created_by,
      expiresAt: row.expires_at,
      lastUsedAt: row.last_used_at,
      expired: row.expires_at !== null && row.expires_at <= this.deps.clock().toISOString()
    };
  }
}
