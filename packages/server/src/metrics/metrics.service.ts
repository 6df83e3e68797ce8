/**
 * /metrics in the Prometheus text format (prom-client, on a registry of this server's own).
 *
 * Counted by this process (scrape every process and sum; a CLI command's own runs are not counted here):
 * - `orgkeeper_operations_total{kind,status}` and `orgkeeper_operation_duration_seconds{kind,status}` (histogram),
 *   for each operation that ends here;
 * - `orgkeeper_arcgis_requests_total`, `_retries_total`, `_throttled_total`, `_token_refreshes_total`
 *   `{identity_id,identity}`: what the identities' ArcGIS sessions counted (arcgis-request-stats.ts).
 * Read from the database at each scrape, so every process on one database answers the same:
 * - `orgkeeper_identity_info{identity_id,identity,type}` 1 per identity;
 * - `orgkeeper_backup_last_complete_age_seconds{identity_id,identity}`: seconds since the newest complete snapshot
 *   finished, `+Inf` when there is none (so "older than N" also fires for an identity never backed up), and
 *   `orgkeeper_backup_last_complete_timestamp_seconds` for identities that have one;
 * - `orgkeeper_backup_last_failed_items{identity_id,identity}`: failed items of the newest snapshot;
 * - `orgkeeper_operations_active{status}`: operations queued and running now.
 * Plus Node.js's process metrics (prom-client's defaults: CPU, memory, event loop lag).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SessionStats } from '../arcgis/arcgis-session.js';
import type { Db } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import type { OperationView } from '../operations/operation.types.js';
import { reportingStats, type SessionStatName } from './arcgis-request-stats.js';
import { MetricsRepository, type IdentityBackupState } from './metrics.repository.js';

/** From seconds to a day: a check or a scan takes seconds, a first backup of a large organization hours. */
const DURATION_BUCKETS = [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400];

const ARCGIS_COUNTERS: Record<SessionStatName, { name: string; help: string }> = {
  requests: { name: 'orgkeeper_arcgis_requests_total', help: 'ArcGIS REST calls made for the identity (each attempt of a call counts).' },
  retries: { name: 'orgkeeper_arcgis_retries_total', help: 'ArcGIS calls tried again after throttling, a server error, a reset or a timeout.' },
  throttled: { name: 'orgkeeper_arcgis_throttled_total', help: 'ArcGIS answers that throttled OrgKeeper (HTTP 429 or a rate-limit error).' },
  tokenRefreshes: { name: 'orgkeeper_arcgis_token_refreshes_total', help: 'ArcGIS tokens renewed during calls after the portal refused an expired one (498/499).' }
};

export class MetricsService {
  private readonly registry = new Registry();
  private readonly repository: MetricsRepository;
  private readonly operations: Counter<'kind' | 'status'>;
  private readonly durations: Histogram<'kind' | 'status'>;
  private readonly arcgis: Record<SessionStatName, Counter<'identity_id' | 'identity'>>;
  private scrape: Promise<IdentityBackupState[]> | undefined;
  private processMetrics = false;

  constructor(private readonly deps: { db: Db; clock: Clock }) {
    this.repository = new MetricsRepository(deps.db);
    const registers = [this.registry];
    this.operations = new Counter({ name: 'orgkeeper_operations_total', help: 'Operations that ended in this process, by kind and how they ended.', labelNames: ['kind', 'status'], registers });
    this.durations = new Histogram({
      name: 'orgkeeper_operation_duration_seconds',
      help: 'How long operations that ended in this process ran, from start to end.',
      labelNames: ['kind', 'status'],
      buckets: DURATION_BUCKETS,
      registers
    });
    this.arcgis = Object.fromEntries(
      Object.entries(ARCGIS_COUNTERS).map(([stat, meta]) => [stat, new Counter({ ...meta, labelNames: ['identity_id', 'identity'], registers })])
    ) as Record<SessionStatName, Counter<'identity_id' | 'identity'>>;
    this.registerDatabaseGauges(registers);
  }

  /** An operation ended in this process. */
  operationFinished(operation: OperationView): void {
    const labels = { kind: operation.kind, status: operation.status };
    this.operations.inc(labels);
    const started = operation.startedAt ?? operation.createdAt;
    if (operation.finishedAt) this.durations.observe(labels, Math.max(0, (Date.parse(operation.finishedAt) - Date.parse(started)) / 1000));
  }

  /** A stats object for a new ArcGIS session of this identity, adding its counts to the identity's counters. */
  sessionStats(identity: { id: string; name: string }): SessionStats {
    const labels = { identity_id: identity.id, identity: identity.name };
    // Every series of the identity exists from its first session on (at 0), so rate() and increase() see it start.
    for (const counter of Object.values(this.arcgis)) counter.inc(labels, 0);
    return reportingStats((stat, increase) => this.arcgis[stat].inc(labels, increase));
  }

  /** The text Prometheus scrapes, and its content type. */
  async render(): Promise<{ contentType: string; text: string }> {
    // Node.js's own metrics from the first scrape on: a CLI command, which never serves /metrics, does not watch them.
    if (!this.processMetrics) {
      collectDefaultMetrics({ register: this.registry });
      this.processMetrics = true;
    }
    // One read of the database per scrape, shared by the per-identity gauges (collected at the same time).
    this.scrape = this.repository.identityBackups();
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  private registerDatabaseGauges(registers: Registry[]): void {
    const identityLabels = ['identity_id', 'identity'] as const;
    const repository = this.repository;
    const clock = this.deps.clock;
    const backups = () => this.scrape ?? repository.identityBackups();
    new Gauge({
      name: 'orgkeeper_identity_info',
      help: 'One series per identity (organization), with its name and type.',
      labelNames: ['identity_id', 'identity', 'type'],
      registers,
      async collect() {
        this.reset();
        for (const i of await backups()) this.set({ identity_id: i.id, identity: i.name, type: i.type }, 1);
      }
    });
    new Gauge({
      name: 'orgkeeper_backup_last_complete_age_seconds',
      help: 'Seconds since the newest complete backup (snapshot) of the identity finished; +Inf when it has none.',
      labelNames: identityLabels,
      registers,
      async collect() {
        this.reset();
        const now = clock().getTime();
        for (const i of await backups()) {
          const age = i.lastCompleteAt === null ? Number.POSITIVE_INFINITY : Math.max(0, (now - Date.parse(i.lastCompleteAt)) / 1000);
          this.set({ identity_id: i.id, identity: i.name }, age);
        }
      }
    });
    new Gauge({
      name: 'orgkeeper_backup_last_complete_timestamp_seconds',
      help: 'When the newest complete backup of the identity finished (Unix time); absent when it has none.',
      labelNames: identityLabels,
      registers,
      async collect() {
        this.reset();
        for (const i of await backups()) if (i.lastCompleteAt !== null) this.set({ identity_id: i.id, identity: i.name }, Date.parse(i.lastCompleteAt) / 1000);
      }
    });
    new Gauge({
      name: 'orgkeeper_backup_last_failed_items',
      help: 'Items that failed in the newest backup (snapshot) of the identity; absent when it has none.',
      labelNames: identityLabels,
      registers,
      async collect() {
        this.reset();
        for (const i of await backups()) if (i.lastFailedItems !== null) this.set({ identity_id: i.id, identity: i.name }, i.lastFailedItems);
      }
    });
    new Gauge({
      name: 'orgkeeper_operations_active',
      help: 'Operations queued or running now, over every process on the database.',
      labelNames: ['status'],
      registers,
      async collect() {
        const active = await repository.activeOperations();
        this.set({ status: 'queued' }, active.queued);
        this.set({ status: 'running' }, active.running);
      }
    });
  }
}
