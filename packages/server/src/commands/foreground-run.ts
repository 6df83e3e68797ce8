/**
 * Operations run from the command line in the foreground (backup, check, forget, prune, scan): started as the CLI,
 * run in this process to their end, stopped cleanly by Ctrl-C. They are operations like any other: the web app's Logs
 * show them, a cancel from anywhere reaches them, and their exclusivity keys hold across processes.
 */
import { AppError } from '../errors/app-error.js';
import type { JobKind } from '../operations/job.types.js';
import type { OperationEvent, OperationsService } from '../operations/operations.service.js';
import { TERMINAL_STATUSES, type OperationView } from '../operations/operation.types.js';
import type { Services } from '../services.js';
import { CLI_ACTOR, UsageError, type CliIo } from './cli-io.js';

export interface ForegroundOptions {
  /** The command, for usage errors (bad input is exit code 2). */
  command: string;
  /**
   * When another operation holds its exclusivity key once it is queued: `wait` for it (kinds that queue: check,
   * forget, prune, scan), or `refuse` and leave nothing queued (backup).
   */
  whenBusy: 'wait' | 'refuse';
  /** Each live event while it runs (a progress bar). */
  onEvent?: (event: OperationEvent) => void;
}

/** Starts the operation as the CLI and runs it here to its end; returns how it ended. */
export async function startInForeground(services: Services, kind: JobKind, identityId: string, input: unknown, io: CliIo, options: ForegroundOptions): Promise<OperationView> {
  const operations = services.operations;
  const op = await operations.start(kind, identityId, input, CLI_ACTOR, { foreground: true }).catch((error: unknown) => refusal(operations, identityId, options.command, error));
  const following = new AbortController();
  const watching = options.onEvent ? followEvents(operations, op.id, following.signal, options.onEvent) : Promise.resolve();
  // Ctrl-C cancels the operation (here, or through its row if the server ended up running it); its run stops cleanly.
  const stop = onStopSignal(io, () => void operations.cancel(op.id, CLI_ACTOR).catch(() => undefined));
  try {
    return await runToEnd(operations, op.id, options.whenBusy).catch((error: unknown) => refusal(operations, identityId, options.command, error));
  } finally {
    stop();
    following.abort();
    await watching;
  }
}

/**
 * Runs a queued operation here and waits for its end. If the server's pool claimed it first, follows it there; while
 * another operation holds its key, waits (`wait`) or gives up; if it cannot start, it is cancelled so no queued row
 * is left behind.
 */
export async function runToEnd(operations: OperationsService, id: string, whenBusy: 'wait' | 'refuse'): Promise<OperationView> {
  for (;;) {
    try {
      await operations.runHere(id);
      break;
    } catch (error) {
      if (error instanceof AppError && error.code === 'conflict') break;
      if (error instanceof AppError && error.code === 'already_running' && whenBusy === 'wait') {
        const view = await operations.get(id);
        if (TERMINAL_STATUSES.includes(view.status)) return view;
        if (view.status === 'queued') await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      await operations.cancel(id, CLI_ACTOR).catch(() => undefined);
      throw error;
    }
  }
  let last = await operations.get(id);
  for await (const event of operations.watch(id, { items: false })) if (event.type === 'status') last = event.operation;
  return last;
}

/** An operation's result as its job wrote it (JSON), when it wrote one. */
export function resultOf<T>(op: OperationView): T | undefined {
  return (op.result ?? undefined) as T | undefined;
}

/** Calls `onStop` once on SIGINT/SIGTERM (or the io's stop signal); returns a function that stops watching. */
export function onStopSignal(io: CliIo, onStop: () => void): () => void {
  if (io.stopSignal) {
    void io.stopSignal().then(onStop);
    return () => undefined;
  }
  process.once('SIGINT', onStop);
  process.once('SIGTERM', onStop);
  return () => {
    process.off('SIGINT', onStop);
    process.off('SIGTERM', onStop);
  };
}

async function followEvents(operations: OperationsService, id: string, signal: AbortSignal, onEvent: (event: OperationEvent) => void): Promise<void> {
  try {
    for await (const event of operations.watch(id, { items: false, signal })) onEvent(event);
  } catch {
    // Only the display stops; the operation and its result are unaffected.
  }
}

/** Bad input becomes a usage error (exit 2); a refusal by a busy key names the commands that follow or stop the blocker. */
async function refusal(operations: OperationsService, identityId: string, command: string, error: unknown): Promise<never> {
  if (error instanceof AppError && error.code === 'validation_failed') {
    const fields = Object.values(error.fields ?? {});
    throw new UsageError(fields.length > 0 ? fields.join(' ') : error.message, command);
  }
  if (error instanceof AppError && error.code === 'already_running') {
    const active = (await operations.list({ identityId, limit: 50 }).catch(() => [])).find((o) => o.status === 'running' || o.status === 'queued');
    if (active) {
      throw new AppError('already_running', `${error.message} Follow it with \`orgkeeper operations watch ${active.id}\`, or stop it with \`orgkeeper operations cancel ${active.id}\`.`);
    }
  }
  throw error;
}
