/**
 * Schedules: per identity, a backup or a scan started at set times (daily, weekly or monthly at a time of day, or a
 * cron expression) in the schedule's time zone. croner computes the next run; the scheduler itself keeps the times in
 * the database and reads the injected clock, so a restart never loses a run and tests move time without waiting.
 *
 * - A run that was due while OrgKeeper was stopped is started once when it comes back (never once per missed time).
 * - Runs go through the job system (`operations.start`) as the `scheduler`; a run that cannot start (a backup already
 *   running, credentials gone) is recorded on the schedule (`lastError`) and audited; the next time still comes.
 * - An identity whose credentials are not stored in OrgKeeper cannot be scheduled: nobody would be there to sign in.
 * - Any number of servers and workers may run the scheduler on one database: a run is claimed per schedule and slot
 *   (its due time) in the database (schedule_runs), so it fires once; a schedule created or changed in one process
 *   wakes the schedulers of the others (signals: LISTEN/NOTIFY on PostgreSQL; the others look every minute anyway).
 */
import { Cron } from 'croner';
import { actorName, type Actor, type AuditService } from '../audit/audit.service.js';
import { AppError } from '../errors/app-error.js';
import type { IdentityRepository } from '../identities/index.js';
import type { IdentityRow } from '../identities/identity.types.js';
import type { DatabaseSignals } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../logging/logger.js';
import type { OperationsService } from '../operations/operations.service.js';
import { checkAction, checkTimeZone, isObject, requireStoredCredentials, timingCron } from './schedule-input.js';
import type { ScheduleRepository } from './schedule.repository.js';
import type { ScheduleAction, ScheduleRow, ScheduleTiming, ScheduleView } from './schedule.types.js';

export interface SchedulesServiceDeps {
  repository: ScheduleRepository;
  identities: IdentityRepository;
  operations: OperationsService;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  /** Tells the other processes' schedulers that schedules changed (and hears theirs). */
  signals?: DatabaseSignals;
}

const SCHEDULER: Actor = { kind: 'system', name: 'scheduler' };
const CHANNEL = 'orgkeeper_schedules';
/** Fired slots are kept this long (the operations keep the history). */
const KEEP_RUNS_MS = 90 * 24 * 3600_000;
/** The scheduler wakes at least this often, so a changed clock or a schedule written by another process is noticed. */
const MAX_SLEEP_MS = 60_000;

export class SchedulesService {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking: Promise<void> = Promise.resolve();
  private unlisten: (() => void) | undefined;
  private prunedAt = 0;

  constructor(private readonly deps: SchedulesServiceDeps) {}

  // ---- CRUD ----

  async list(identityId?: string): Promise<ScheduleView[]> {
    if (identityId) await this.identity(identityId);
    return (await this.deps.repository.list(identityId)).map(toView);
  }

  async get(id: string): Promise<ScheduleView> {
    return toView(await this.row(id));
  }

  async create(identityId: string, input: unknown, actor: Actor): Promise<ScheduleView> {
    const identity = await this.identity(identityId);
    const clean = await this.validate(identity, input, undefined);
    const now = this.deps.clock();
    const row: ScheduleRow = {
      id: newId(),
      identity_id: identity.id,
      ...settingsColumns(clean, now),
      last_run_at: null,
      last_operation_id: null,
      last_error: null,
      created_by: actorName(actor),
      created_at: now.toISOString(),
      updated_at: now.toISOString()
    };
    await this.deps.repository.insert(row);
    await this.deps.audit.record({ actor, action: 'schedule.create', target: row.id, result: 'success', details: { identity: identity.name, name: row.name, cron: row.cron, timeZone: row.time_zone, kind: row.kind } });
    await this.changed(row.id);
    return toView(row);
  }

  /** Replaces the given fields (name, enabled, timing, timeZone, action); the next run is computed again. */
  async update(id: string, input: unknown, actor: Actor): Promise<ScheduleView> {
    const row = await this.row(id);
    const identity = await this.identity(row.identity_id);
    const current = toView(row);
    const patch = isObject(input) ? input : {};
    const merged = {
      name: patch.name ?? current.name,
      enabled: patch.enabled ?? current.enabled,
      timing: patch.timing ?? current.timing,
      timeZone: patch.timeZone ?? current.timeZone,
      action: patch.action ?? current.action
    };
    for (const key of Object.keys(patch)) {
      if (!['name', 'enabled', 'timing', 'timeZone', 'action'].includes(key)) throw AppError.validation({ [key]: `Unknown field "${key}".` });
    }
    const clean = await this.validate(identity, merged, row.id);
    const now = this.deps.clock();
    const changes: Partial<ScheduleRow> = {
      ...settingsColumns(clean, now),
      last_error: clean.enabled && !current.enabled ? null : row.last_error,
      updated_at: now.toISOString()
    };
    await this.deps.repository.update(row.id, changes);
    await this.deps.audit.record({ actor, action: 'schedule.update', target: row.id, result: 'success', details: { identity: identity.name, name: clean.name, changed: Object.keys(patch) } });
    await this.changed(row.id);
    return this.get(row.id);
  }

  async delete(id: string, actor: Actor): Promise<void> {
    const row = await this.row(id);
    await this.deps.repository.delete(row.id);
    await this.deps.audit.record({ actor, action: 'schedule.delete', target: row.id, result: 'success', details: { identityId: row.identity_id, name: row.name } });
    await this.changed(row.id);
  }

  /** Starts the schedule's work now (its timing is unchanged). */
  async runNow(id: string, actor: Actor) {
    const row = await this.row(id);
    const operation = await this.deps.operations.start(row.kind, row.identity_id, operationParams(row, this.deps.clock()), actor);
    await this.deps.repository.update(row.id, { last_run_at: this.deps.clock().toISOString(), last_operation_id: operation.id, last_error: null });
    return operation;
  }

  /** The next `count` run times of a timing (for the form's preview); validates like create. */
  preview(timing: unknown, timeZone: unknown, count = 5): string[] {
    const fields: Record<string, string> = {};
    const zone = checkTimeZone(timeZone, fields);
    const cron = timingCron(timing, fields);
    if (Object.keys(fields).length > 0 || !cron || !zone) throw AppError.validation(fields);
    const times: string[] = [];
    let from = this.deps.clock();
    for (let i = 0; i < count; i++) {
      const next = nextRun(cron, zone, from);
      if (!next) break;
      times.push(next);
      from = new Date(next);
    }
    return times;
  }

  // ---- the scheduler ----

  /** Server start-up: starts the runs missed while stopped (once each), then keeps firing schedules on time. */
  async start(): Promise<void> {
    this.running = true;
    this.unlisten ??= this.deps.signals?.listen(CHANNEL, () => this.rearm());
    await this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.unlisten?.();
    this.unlisten = undefined;
  }

  /** After a change here: this scheduler and the other processes' arm for the new times. */
  private async changed(id: string): Promise<void> {
    this.rearm();
    await this.deps.signals?.notify(CHANNEL, id);
  }

  /** Fires every enabled schedule that is due at the clock's time; then arms the timer for the next one. */
  tick(): Promise<void> {
    // Ticks run one after the other, so a slow start never fires a schedule twice.
    this.ticking = this.ticking.then(() => this.fireDue()).catch((error: unknown) => this.deps.logger.error({ err: error }, 'scheduler tick failed'));
    return this.ticking.then(() => this.rearm());
  }

  private async fireDue(): Promise<void> {
    const now = this.deps.clock();
    await this.pruneRuns(now);
    for (const row of await this.deps.repository.listDue(now.toISOString())) {
      const next = nextRun(row.cron, row.time_zone, now);
      const slot = row.next_run_at ?? '';
      // Missed runs collapse into this one: the next run is computed from now, not from the missed time.
      const claimed = await this.deps.repository.claimRun(row.id, slot, { next_run_at: next, last_run_at: now.toISOString() }, this.deps.operations.workerId, now.toISOString());
      if (!claimed) continue;
      const late = now.getTime() - Date.parse(row.next_run_at ?? now.toISOString());
      try {
        const operation = await this.deps.operations.start(row.kind, row.identity_id, operationParams(row, now), SCHEDULER);
        await this.deps.repository.update(row.id, { last_operation_id: operation.id, last_error: null });
        await this.deps.repository.setRunOperation(row.id, slot, operation.id);
        await this.deps.audit.record({
          actor: SCHEDULER,
          action: 'schedule.run',
          target: row.id,
          result: 'success',
          details: { name: row.name, identityId: row.identity_id, operationId: operation.id, ...(late > MAX_SLEEP_MS ? { missedAt: row.next_run_at } : {}) }
        });
      } catch (error) {
        if (error instanceof AppError && error.code === 'unavailable') {
          // The server is stopping: leave the run due, so it starts (once) when a server is back.
          await this.deps.repository.releaseRun(row.id, slot, { next_run_at: row.next_run_at, last_run_at: row.last_run_at });
          continue;
        }
        const reason = error instanceof Error ? error.message : String(error);
        await this.deps.repository.update(row.id, { last_error: `The run of ${now.toISOString()} did not start: ${reason}` });
        await this.deps.audit.record({ actor: SCHEDULER, action: 'schedule.run', target: row.id, result: 'failure', details: { name: row.name, identityId: row.identity_id, error: reason } });
        this.deps.logger.warn({ scheduleId: row.id, err: error }, 'a scheduled run could not start');
      }
    }
  }

  /** Forgets fired slots past keeping, once a day. */
  private async pruneRuns(now: Date): Promise<void> {
    if (now.getTime() - this.prunedAt < 24 * 3600_000) return;
    this.prunedAt = now.getTime();
    await this.deps.repository.deleteRunsBefore(new Date(now.getTime() - KEEP_RUNS_MS).toISOString());
  }

  private rearm(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    void this.deps.repository
      .nextDue()
      .then((next) => {
        if (!this.running) return;
        const wait = next ? Math.max(0, Math.min(Date.parse(next) - this.deps.clock().getTime(), MAX_SLEEP_MS)) : MAX_SLEEP_MS;
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.tick(), wait);
        this.timer.unref();
      })
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not arm the scheduler'));
  }

  // ---- validation ----

  private async validate(identity: IdentityRow, input: unknown, _id: string | undefined) {
    if (!isObject(input)) throw AppError.validation({ body: 'Send the schedule as a JSON object.' });
    const fields: Record<string, string> = {};
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name === '') fields.name = 'Give the schedule a name, e.g. "Nightly backup".';
    else if (name.length > 200) fields.name = 'The name is longer than 200 characters.';
    if (input.enabled !== undefined && typeof input.enabled !== 'boolean') fields.enabled = 'enabled is true or false.';
    const timeZone = checkTimeZone(input.timeZone, fields);
    const cron = timingCron(input.timing, fields);
    if (cron && timeZone && !fields.timing && nextRun(cron, timeZone, this.deps.clock()) === null) fields.timing = 'This timing never fires.';
    const action = checkAction(input.action, fields);
    if (Object.keys(fields).length > 0) throw AppError.validation(fields);
    const enabled = input.enabled !== false;
    if (enabled) requireStoredCredentials(identity);
    // The job's own checks (item ids, query, retention policy, scan options), as a run would meet them.
    const draft = { kind: action!.kind, name, params: JSON.stringify(actionParams(action!)) };
    try {
      await this.deps.operations.validate(action!.kind, identity.id, operationParams(draft, this.deps.clock()));
    } catch (error) {
      if (error instanceof AppError && error.code === 'validation_failed') {
        throw AppError.validation(Object.fromEntries(Object.entries(error.fields ?? {}).map(([k, v]) => [`action.${k}`, v])), error.message);
      }
      throw error;
    }
    return { name, enabled, timing: input.timing as ScheduleTiming, cron: cron!, timeZone: timeZone!, action: action! };
  }

  private async identity(identityId: string): Promise<IdentityRow> {
    const row = await this.deps.identities.findById(identityId);
    if (!row) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
    return row;
  }

  private async row(id: string): Promise<ScheduleRow> {
    const row = await this.deps.repository.findById(id);
    if (!row) throw new AppError('not_found', 'There is no such schedule; it may have been deleted.');
    return row;
  }
}

/** The columns a schedule's validated settings fill, on create and update alike; the next run is computed from `now`. */
function settingsColumns(clean: Awaited<ReturnType<SchedulesService['validate']>>, now: Date) {
  return {
    name: clean.name,
    enabled: clean.enabled ? 1 : 0,
    timing: JSON.stringify(clean.timing),
    cron: clean.cron,
    time_zone: clean.timeZone,
    kind: clean.action.kind,
    params: JSON.stringify(actionParams(clean.action)),
    next_run_at: clean.enabled ? nextRun(clean.cron, clean.timeZone, now) : null
  } satisfies Partial<ScheduleRow>;
}

function actionParams(action: ScheduleAction): Record<string, unknown> {
  const { kind: _kind, ...rest } = action;
  return rest;
}

/** The params the job gets at each run: a backup's name carries the schedule's name and the run's date. */
function operationParams(row: Pick<ScheduleRow, 'kind' | 'params' | 'name'>, now: Date): Record<string, unknown> {
  const params = JSON.parse(row.params) as Record<string, unknown>;
  if (row.kind === 'backup') {
    const name = typeof params.backupName === 'string' ? params.backupName : row.name;
    return {
      name: `${name} ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      ...(params.target === 'selection' ? { items: params.items } : {}),
      ...(params.target === 'query' ? { query: params.query } : {}),
      ...(typeof params.withDependencies === 'boolean' ? { withDependencies: params.withDependencies } : {}),
      ...(params.retention ? { retention: params.retention } : {})
    };
  }
  return { type: params.type, ...(params.options ? { options: params.options } : {}) };
}

/** The first run strictly after `from`, as ISO 8601 UTC, or null when the expression never fires again. */
export function nextRun(cron: string, timeZone: string, from: Date): string | null {
  const next = new Cron(cron, { paused: true, timezone: timeZone }).nextRun(from);
  return next ? next.toISOString() : null;
}

function toView(row: ScheduleRow): ScheduleView {
  return {
    id: row.id,
    identityId: row.identity_id,
    name: row.name,
    enabled: row.enabled === 1,
    timing: JSON.parse(row.timing) as ScheduleTiming,
    cron: row.cron,
    timeZone: row.time_zone,
    action: { kind: row.kind, ...(JSON.parse(row.params) as Record<string, unknown>) } as ScheduleAction,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    lastOperationId: row.last_operation_id,
    lastError: row.last_error,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  };
}
