/**
 * The operations this process runs right now (the pool's, the CLI's foreground runs, child operations), each with
 * the controller that stops it. Cancel, shutdown, recovery and live watching look here first.
 */
export type StopReason = 'cancelled' | 'shutdown';

export interface LocalRun {
  operationId: string;
  controller: AbortController;
  /** Settles when the run and its bookkeeping are done. */
  done: Promise<void>;
  /** Who cancelled it, for its message. */
  cancelledBy?: string;
}

export class LocalRuns {
  private readonly runs = new Map<string, LocalRun>();

  add(operationId: string): LocalRun {
    const run: LocalRun = { operationId, controller: new AbortController(), done: Promise.resolve() };
    this.runs.set(operationId, run);
    return run;
  }

  delete(operationId: string): void {
    this.runs.delete(operationId);
  }

  get(operationId: string): LocalRun | undefined {
    return this.runs.get(operationId);
  }

  has(operationId: string): boolean {
    return this.runs.has(operationId);
  }

  get size(): number {
    return this.runs.size;
  }

  ids(): string[] {
    return [...this.runs.keys()];
  }

  all(): LocalRun[] {
    return [...this.runs.values()];
  }

  /** Aborts a run (its handler sees `signal.reason`); a cancel records by whom. */
  stop(run: LocalRun, reason: StopReason, by?: string): void {
    if (by !== undefined) run.cancelledBy = by;
    run.controller.abort(reason satisfies StopReason);
  }
}
