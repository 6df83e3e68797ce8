/**
 * The bearer token Prometheus sends for /metrics: made by an administrator (`orgkeeper metrics token new`, or the REST
 * API), shown once and kept as a SHA-256 hash (it is 256 random bits, so a plain hash cannot be reversed or guessed,
 * and every process on the database checks it the same way), or given to each process by ORGKEEPER_METRICS_TOKEN.
 * Either is accepted. Tokens are compared as hashes in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { actorName, type Actor, type AuditService } from '../audit/audit.service.js';
import type { Db } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import { METRICS_TOKEN_ID, MetricsTokenRepository } from './metrics-token.repository.js';

/** A prefix that tells a metrics token apart from other credentials (and lets secret scanners find leaked ones). */
const TOKEN_PREFIX = 'okm_';

export interface MetricsTokenStatus {
  /** Whether an administrator made a token (stored as a hash). */
  stored: boolean;
  createdBy: string | null;
  createdAt: string | null;
  /** Whether this process also accepts ORGKEEPER_METRICS_TOKEN. */
  fromEnvironment: boolean;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export class MetricsTokenService {
  private readonly repository: MetricsTokenRepository;
  private readonly environmentHash: Buffer | null;

  constructor(private readonly deps: { db: Db; audit: AuditService; clock: Clock; environmentToken?: string | null }) {
    this.repository = new MetricsTokenRepository(deps.db);
    this.environmentHash = deps.environmentToken ? sha256(deps.environmentToken) : null;
  }

  async status(): Promise<MetricsTokenStatus> {
    const row = await this.repository.find();
    return { stored: row !== undefined, createdBy: row?.created_by ?? null, createdAt: row?.created_at ?? null, fromEnvironment: this.environmentHash !== null };
  }

  /** Makes a new token (the one before stops working) and returns it: the only time it is shown. */
  async create(actor: Actor): Promise<{ token: string; status: MetricsTokenStatus }> {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const replaced = (await this.repository.find()) !== undefined;
    await this.repository.save({ id: METRICS_TOKEN_ID, token_hash: sha256(token).toString('hex'), created_by: actorName(actor), created_at: this.deps.clock().toISOString() });
    await this.deps.audit.record({ actor, action: 'metrics.token.create', target: 'metrics', result: 'success', details: { replaced } });
    return { token, status: await this.status() };
  }

  async remove(actor: Actor): Promise<boolean> {
    const removed = await this.repository.delete();
    await this.deps.audit.record({ actor, action: 'metrics.token.delete', target: 'metrics', result: 'success', details: { removed } });
    return removed;
  }

  /** Whether `token` is the stored token or ORGKEEPER_METRICS_TOKEN. */
  async verify(token: string): Promise<boolean> {
    const given = sha256(token);
    const row = await this.repository.find();
    const stored = row && /^[0-9a-f]{64}$/.test(row.token_hash) ? Buffer.from(row.token_hash, 'hex') : null;
    // Both compared, so the time taken says nothing about which (if any) matched.
    const matchesStored = stored !== null && timingSafeEqual(given, stored);
    const matchesEnvironment = this.environmentHash !== null && timingSafeEqual(given, this.environmentHash);
    return matchesStored || matchesEnvironment;
  }
}
