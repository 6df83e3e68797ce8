/**
 * `orgkeeper operations list|show|watch|cancel|resume|start`: the job system from the command line, through the
 * database the server shares. `watch` follows an operation whichever process runs it (the server or another CLI);
 * `cancel` reaches a runner in another process through the operation's row; `resume` and `start` run the work in this
 * process (in the foreground, with the same progress as `watch`) unless `--queue` leaves it to the running server.
 */
import { AppError } from '../errors/app-error.js';
import { OPERATION_KINDS, OPERATION_STATUSES, type OperationKind, type OperationStatus, type OperationView } from '../operations/operation.types.js';
import { TERMINAL_STATUSES, type OperationsService } from '../operations/operations.service.js';
import type { Services } from '../services.js';
import { CLI_ACTOR, EXIT_FAILURE, EXIT_OK, keyValues, textTable, UsageError, type CliIo } from './cli-io.js';
import { findIdentity, onlyOperand, startSubcommand, type SubcommandCall, type SubcommandValues } from './command-services.js';
import { onStopSignal } from './foreground-run.js';

export const OPERATIONS_USAGE = `Usage: orgkeeper operations <list|show|watch|cancel|resume|start> [options]

Backups, restores, checks, prunes and scans run as operations, whether the server or a command runs them.

  operations list [--identity NAME] [--kind KIND] [--status STATUS] [--limit N] [--json]
  operations show ID [--json]          an operation, with its message and result
  operations watch ID [--json]         follow its progress and log until it ends (exit 0 when it succeeded)
  operations cancel ID                 stop it, whichever process runs it
  operations resume ID [--queue]       continue an interrupted backup or restore here (--queue: let a server or worker do it)
  operations start --identity NAME --kind KIND [--param key=value ...] [--queue] [--json]
                                       start a check, prune, ... (values are JSON when they parse as JSON)

  --json                one JSON object (list, show) or one JSON event per line (watch, resume, start)
  --data-dir DIR        folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL    PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]

Kinds: ${OPERATION_KINDS.join(', ')}. Statuses: ${OPERATION_STATUSES.join(', ')}.
Exit codes: 0 done (watch/resume/start: the operation succeeded), 1 failed, 2 wrong usage.
`;


const OPTIONS = {
  identity: { type: 'string' },
  kind: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  queue: { type: 'boolean' },
  param: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const;

type Call = SubcommandCall<SubcommandValues<typeof OPTIONS>>;

export async function operationsCommand(args: string[], io: CliIo): Promise<number> {
  const call = startSubcommand('operations', OPERATIONS_USAGE, args, io, OPTIONS);
  if (typeof call === 'number') return call;
  const { sub } = call;
  switch (sub) {
    case 'list':
      return listOperations(call);
    case 'show':
      return showOperation(call);
    case 'watch':
      return watchOperation(call);
    case 'cancel':
      return cancelOperation(call);
    case 'resume':
      return resumeOperation(call);
    case 'start':
      return startOperation(call);
    default:
      throw new UsageError(`Unknown operations command "${sub}".`, 'operations');
  }
}

async function listOperations({ values, positionals, io, json, run }: Call): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".`, 'operations');
  const kind = values.kind;
  const status = values.status;
  if (kind !== undefined && !(OPERATION_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind must be one of ${OPERATION_KINDS.join(', ')}.`, 'operations');
  if (status !== undefined && !(OPERATION_STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status must be one of ${OPERATION_STATUSES.join(', ')}.`, 'operations');
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be a whole number from 1 to 1000.', 'operations');
  return run(async (services) => {
    const identity = values.identity ? await findIdentity(services, values.identity, 'operations') : undefined;
    const list = await services.operations.list({
      limit,
      ...(identity ? { identityId: identity.id } : {}),
      ...(kind ? { kind: kind as OperationKind } : {}),
      ...(status ? { status: status as OperationStatus } : {})
    });
    if (json) io.stdout.write(`${JSON.stringify({ operations: list }, null, 2)}\n`);
    else if (list.length === 0) io.stdout.write('No operations.\n');
    else {
      const table = [['ID', 'KIND', 'STATUS', 'CREATED (UTC)', 'BY', 'MESSAGE'], ...list.map((o) => [o.id, o.kind, o.status, o.createdAt.slice(0, 19).replace('T', ' '), o.createdBy, shorten(o.message ?? progressText(o.progress), 80)])];
      for (const line of textTable(table)) io.stdout.write(`${line}\n`);
    }
    return EXIT_OK;
  });
}

async function showOperation(call: Call): Promise<number> {
  const id = onlyOperand(call, 'operation id');
  return call.run(async (services) => {
    const op = await services.operations.get(id);
    if (call.json) call.io.stdout.write(`${JSON.stringify(op, null, 2)}\n`);
    else call.io.stdout.write(describe(op));
    return EXIT_OK;
  });
}

async function watchOperation(call: Call): Promise<number> {
  const id = onlyOperand(call, 'operation id');
  return call.run(async (services) => {
    await services.operations.get(id);
    const final = await follow(services.operations, id, call.io, call.json);
    return exitFor(final);
  });
}

async function cancelOperation(call: Call): Promise<number> {
  const id = onlyOperand(call, 'operation id');
  return call.run(async (services) => {
    const op = await services.operations.cancel(id, CLI_ACTOR);
    if (call.json) call.io.stdout.write(`${JSON.stringify(op, null, 2)}\n`);
    else if (op.status === 'running') call.io.stdout.write(`Asked the process running ${id} to stop; it has not stopped yet. Follow it with \`orgkeeper operations watch ${id}\`.\n`);
    else call.io.stdout.write(`${id}: ${op.status}. ${op.message ?? ''}\n`);
    return EXIT_OK;
  });
}

async function resumeOperation(call: Call): Promise<number> {
  const id = onlyOperand(call, 'operation id');
  return call.run(async (services) => {
    const op = await services.operations.resume(id, CLI_ACTOR, { foreground: call.values.queue !== true });
    return runOrQueue(services, op, call.io, call.json, call.values.queue === true);
  });
}

async function startOperation({ values, positionals, io, json, run }: Call): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".`, 'operations');
  const kind = values.kind;
  if (!kind || !(OPERATION_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind is required: one of ${OPERATION_KINDS.join(', ')}.`, 'operations');
  const identityName = values.identity;
  if (!identityName) throw new UsageError('--identity is required (the name or id of an identity).', 'operations');
  const params = keyValues(values.param ?? [], '--param', 'operations');
  return run(async (services) => {
    const identity = await findIdentity(services, identityName, 'operations');
    const op = await services.operations.start(kind as OperationKind, identity.id, params, CLI_ACTOR, { foreground: values.queue !== true });
    return runOrQueue(services, op, io, json, values.queue === true);
  });
}

/** Runs a queued operation here with live progress, or leaves it for the server (--queue). */
export async function runOrQueue(services: Services, op: OperationView, io: CliIo, json: boolean, queue: boolean): Promise<number> {
  if (queue) {
    if (json) io.stdout.write(`${JSON.stringify({ type: 'status', operation: op })}\n`);
    else io.stdout.write(`Operation ${op.id} is queued; a running OrgKeeper server or worker starts it. Follow it with \`orgkeeper operations watch ${op.id}\`.\n`);
    return EXIT_OK;
  }
  const stop = onStopSignal(io, () => void services.operations.shutdown());
  try {
    const following = follow(services.operations, op.id, io, json);
    await services.operations.runHere(op.id).catch((error: unknown) => {
      // Claimed by the server meanwhile: keep following it there.
      if (!(error instanceof AppError && error.code === 'conflict')) throw error;
    });
    return exitFor(await following);
  } finally {
    stop();
  }
}

/** Prints an operation's events until it ends; returns its final state. */
async function follow(operations: OperationsService, id: string, io: CliIo, json: boolean): Promise<OperationView> {
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true && !json;
  let last: OperationView = await operations.get(id);
  let lastLine = 0;
  for await (const event of operations.watch(id)) {
    if (json) {
      io.stdout.write(`${JSON.stringify(event)}\n`);
      if (event.type === 'status') last = event.operation;
      continue;
    }
    if (event.type === 'status') {
      last = event.operation;
      if (tty) io.stderr.write('\r\x1b[K');
      io.stderr.write(`${event.operation.kind} ${event.operation.id}: ${event.operation.status}${event.operation.cancelRequestedBy ? ` (cancel asked by ${event.operation.cancelRequestedBy})` : ''}\n`);
    } else if (event.type === 'progress') {
      const now = Date.now();
      if (tty) io.stderr.write(`\r\x1b[K${progressText(event.progress)}`);
      else if (now - lastLine >= 5000) {
        lastLine = now;
        io.stderr.write(`${progressText(event.progress)}\n`);
      }
    } else {
      for (const item of event.items.filter((i) => i.status === 'failed')) {
        if (tty) io.stderr.write('\r\x1b[K');
        io.stderr.write(`  FAILED ${item.itemId} "${item.title}": ${item.error ?? 'no reason given'}\n`);
      }
    }
  }
  last = await operations.get(id);
  if (!json) io.stdout.write(describe(last));
  return last;
}

function exitFor(op: OperationView): number {
  return op.status === 'succeeded' ? EXIT_OK : EXIT_FAILURE;
}

function describe(op: OperationView): string {
  const lines = [
    `Operation ${op.id}: ${op.kind}, ${op.status}`,
    `  created ${op.createdAt} by ${op.createdBy}${op.startedAt ? `, started ${op.startedAt}` : ''}${op.finishedAt ? `, finished ${op.finishedAt}` : ''}`
  ];
  if (op.worker) lines.push(`  ${op.status === 'running' ? 'runs' : 'ran'} on ${op.worker.host} (process ${op.worker.pid})`);
  if (op.snapshotId) lines.push(`  snapshot ${op.snapshotId}`);
  if (op.progress && !TERMINAL_STATUSES.includes(op.status)) lines.push(`  ${progressText(op.progress)}`);
  if (op.message) lines.push(`  ${op.message}`);
  if (op.resumable) lines.push(`  Resume it with \`orgkeeper operations resume ${op.id}\`.`);
  return `${lines.join('\n')}\n`;
}

/** One line of progress from the counters handlers report (backup: phase, items, bytes; others: phase, done/total). */
export function progressText(progress: Record<string, unknown> | null): string {
  if (!progress) return '';
  const p = progress as { phase?: string; itemsDone?: number; itemsTotal?: number; done?: number; total?: number; bytesRead?: number; newBytes?: number };
  const parts: string[] = [];
  if (p.phase) parts.push(p.phase);
  if (typeof p.itemsTotal === 'number' && p.itemsTotal > 0) parts.push(`items ${p.itemsDone ?? 0}/${p.itemsTotal}`);
  else if (typeof p.total === 'number' && p.total > 0) parts.push(`${p.done ?? 0}/${p.total}`);
  if (typeof p.bytesRead === 'number' && p.bytesRead > 0) parts.push(`${(p.bytesRead / 1024 / 1024).toFixed(1)} MiB read`);
  return parts.join(', ');
}

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
