/**
 * This process in the workers table: registered when it starts running operations (or serving), seen every few
 * seconds while it lives, marked stopped when it stops cleanly. The workers list (`orgkeeper workers`, the Logs
 * page) reads it; recovery reads it to tell a worker that died (its operations are taken over) from a command that
 * did (its operation is only marked interrupted).
 */
import { hostname } from 'node:os';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logging/logger.js';
import type { WorkerRepository } from './worker.repository.js';
import type { WorkerKind, WorkerRow } from './worker.types.js';

/** Rows of processes not seen for this long are removed. */
const FORGET_AFTER_MS = 7 * 24 * 3600_000;

export interface WorkerPresenceDeps {
  repository: WorkerRepository;
  clock: Clock;
  logger: Logger;
  /** This process's runner id. */
  id: string;
  version: string;
  /** How often its row is written (last seen). */
  intervalMs: number;
}

export class WorkerPresence {
  private row: WorkerRow | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: WorkerPresenceDeps) {}

  get kind(): WorkerKind | undefined {
    return this.row?.kind;
  }

  /** Registers this process as `kind` (again with the new kind if it was registered) and keeps it seen. */
  async start(kind: WorkerKind, options: { runsJobs: boolean; maxRunning: number }): Promise<void> {
    const now = this.now();
    this.row = {
      id: this.deps.id,
      host: hostname(),
      pid: process.pid,
      version: this.deps.version,
      kind,
      runs_jobs: options.runsJobs ? 1 : 0,
      max_running: options.maxRunning,
      started_at: this.row?.started_at ?? now,
      last_seen_at: now,
      stopped_at: null
    };
    await this.deps.repository.register(this.row);
    if (!this.timer) {
      this.timer = setInterval(() => void this.beat(), this.deps.intervalMs);
      this.timer.unref();
    }
    // Long-gone processes leave the list (their operations were recovered long ago).
    await this.deps.repository.deleteSeenBefore(new Date(this.deps.clock().getTime() - FORGET_AFTER_MS).toISOString());
  }

  /** Marks this process stopped (it ran its last operation, or shuts down). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.row) return;
    this.row = undefined;
    await this.deps.repository.stopped(this.deps.id, this.now()).catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not mark this worker stopped'));
  }

  private async beat(): Promise<void> {
    const row = this.row;
    if (!row) return;
    try {
      const at = this.now();
      if (!(await this.deps.repository.beat(row.id, at))) await this.deps.repository.register({ ...row, last_seen_at: at });
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not write this worker’s heartbeat');
    }
  }

  private now(): string {
    return this.deps.clock().toISOString();
  }
}
