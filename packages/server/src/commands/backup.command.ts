/**
 * `orgkeeper backup`, `orgkeeper snapshots` and `orgkeeper check`: back up an identity's organization into its File
 * Location, list the snapshots there, and verify them, without the web app.
 */
import { parseArgs } from 'node:util';
import { backupIdentity } from '../backup/backup-identity.js';
import { isItemId } from '../backup/backup-request.js';
import { MAX_BACKUP_CONCURRENCY, type BackupRequest } from '../backup/backup-request.types.js';
import { DEFAULT_ARCGIS_CONCURRENCY_CEILING } from '../arcgis/adaptive-limiter.js';
import type { BackupJobResult } from '../backup/backup.job.js';
import type { BackupProgress } from '../backup/backup.types.js';
import { describeNeed } from '../backup/item-dependencies.js';
import type { IdentityRow } from '../identities/identity.types.js';
import type { OperationItemView, OperationView } from '../operations/operation.types.js';
import type { OperationsService } from '../operations/operations.service.js';
import type { Services } from '../services.js';
import { summarizeCheck, type CheckResult, type PartProblem } from '../store/index.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliIo } from './cli-io.js';
import { databaseFlags, findIdentity, withServices } from './command-services.js';
import { resultOf, startInForeground } from './foreground-run.js';

export const BACKUP_USAGE = `Usage: orgkeeper backup --identity NAME [options]

Back up an organization's items (data, resources, thumbnails, metadata, sharing, related items, hosted feature layers),
groups and users into the identity's File Location, as one snapshot. Unchanged items are carried over from the last
snapshot without downloading them again; an interrupted backup is continued by the next one.

It runs here as a backup operation: the web app's Logs show it and can cancel it, and a backup of the identity
already running (in the server or another command) is refused. Ctrl-C stops it cleanly.

  --identity NAME       the identity (name or id) whose organization is backed up
  --name NAME           the snapshot's name (default: identity name and time)
  --query Q             only items matching this ArcGIS search query, e.g. 'owner:jdoe' or 'type:"Web Map"'
  --items ID,ID         only these items (ids)
  --no-dependencies     with --query or --items: only the chosen items. By default they take along what they need to
                        be restored: a Survey123 form its service, views and data, a view its source, a service its views
  --concurrency N       most requests to ArcGIS in flight at once, 1-64 (default: ORGKEEPER_ARCGIS_CONCURRENCY, or
                        ${DEFAULT_ARCGIS_CONCURRENCY_CEILING}); below it the backup finds the speed the organization allows
  --json                print one JSON object with the result instead of text
  --data-dir DIR        folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL    PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]
  -h, --help            show this help

Exit codes: 0 every item backed up (or skipped with a reason), 1 some items failed or the backup stopped, 2 wrong usage.
`;

export const SNAPSHOTS_USAGE = `Usage: orgkeeper snapshots --identity NAME [--json]

List the snapshots in an identity's File Location: id, name, start time, items, bytes added, status.

  --identity NAME       the identity (name or id)
  --json                machine-readable output
  --data-dir DIR        folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL    PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]
`;

export const CHECK_USAGE = `Usage: orgkeeper check --identity NAME [--read-data[=PERCENT]] [--json]

Verify the snapshots in an identity's File Location: every blob they reference is stored and every list readable.
With --read-data, also re-read and re-hash all stored content (or a random PERCENT of it).

  --identity NAME       the identity (name or id)
  --read-data[=PCT]     re-hash all referenced blobs, or PCT percent of them chosen at random
  --json                machine-readable output
  --data-dir DIR        folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL    PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]

Exit codes: 0 no problems, 1 problems found (the affected snapshots and items are listed), 2 wrong usage.
`;

interface Common {
  identity?: string;
  json?: boolean;
  'data-dir'?: string;
  'database-url'?: string;
  help?: boolean;
}

function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(args: string[], command: string, options: T) {
  try {
    return parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { ...options, identity: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } }
    });
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}

/** Opens the data directory and services, finds the identity, runs `work`, and closes the database. */
async function withIdentity<T>(io: CliIo, values: Common, command: string, work: (services: Services, row: IdentityRow) => Promise<T>): Promise<T> {
  if (!values.identity) throw new UsageError('--identity is required (the name or id of an identity; see `orgkeeper identities list`).', command);
  const identity = values.identity;
  return withServices(io, databaseFlags(values), async (services) => work(services, await findIdentity(services, identity, command)));
}

export async function backupCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, 'backup', {
    name: { type: 'string' },
    query: { type: 'string' },
    items: { type: 'string' },
    'no-dependencies': { type: 'boolean' },
    concurrency: { type: 'string' }
  });
  if (values.help) {
    io.stdout.write(BACKUP_USAGE);
    return EXIT_OK;
  }
  const request = backupRequestOf(values);
  return withIdentity(io, values, 'backup', async (services, row) => {
    // An operation like any other (the web app's Logs, cancel from anywhere, one backup of the identity at a time),
    // run in this process. A backup of this identity already running in the server or another command is refused
    // here; one whose process died (killed) is marked interrupted and does not block.
    const tty = (io.stderr as { isTTY?: boolean }).isTTY === true && values.json !== true;
    let lastLine = 0;
    let final: OperationView;
    try {
      final = await startInForeground(services, 'backup', row.id, request, io, {
        command: 'backup',
        whenBusy: 'refuse',
        // The progress bar on a terminal: the operation's live progress, whichever process runs it.
        ...(tty
          ? {
              onEvent: (event) => {
                if (event.type !== 'progress') return;
                const p = event.progress as Partial<BackupProgress>;
                const now = Date.now();
                if (now - lastLine < 200 && p.phase === 'items') return;
                lastLine = now;
                io.stderr.write(`\r\x1b[K${progressText(p)}`);
              }
            }
          : {})
      });
    } finally {
      if (tty) io.stderr.write('\r\x1b[K');
    }
    return report(services.operations, final, io, values.json === true);
  });
}

/** The backup request the flags ask for; flag-worded usage errors for what the flags get wrong (the job checks the rest). */
function backupRequestOf(values: { name?: string; query?: string; items?: string; 'no-dependencies'?: boolean; concurrency?: string }): BackupRequest {
  let concurrency: number | undefined;
  if (values.concurrency !== undefined) {
    concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_BACKUP_CONCURRENCY) {
      throw new UsageError(`--concurrency must be a whole number from 1 to ${MAX_BACKUP_CONCURRENCY}, not "${values.concurrency}".`, 'backup');
    }
  }
  const itemIds = values.items === undefined ? undefined : values.items.split(',').map((s) => s.trim()).filter(Boolean);
  if (itemIds !== undefined) {
    if (itemIds.length === 0) throw new UsageError('--items needs at least one item id (comma-separated).', 'backup');
    const bad = itemIds.find((id) => !isItemId(id));
    if (bad) throw new UsageError(`"${bad}" is not an ArcGIS item id (letters and digits, e.g. 9f86d081884c7d659a2feaa0c55ad015).`, 'backup');
    if (values.query !== undefined) throw new UsageError('Give either --query or --items, not both.', 'backup');
  }
  if (values.query !== undefined && values.query.trim() === '') throw new UsageError('--query is empty.', 'backup');
  if (values.name !== undefined && values.name.trim() === '') throw new UsageError('--name is empty.', 'backup');
  if (values['no-dependencies'] && itemIds === undefined && values.query === undefined) {
    throw new UsageError('--no-dependencies goes with --items or --query (a backup of everything holds every item anyway).', 'backup');
  }
  return {
    ...(values.name !== undefined ? { name: values.name.trim() } : {}),
    ...(values.query !== undefined ? { query: values.query } : {}),
    ...(itemIds !== undefined ? { items: itemIds } : {}),
    ...(values['no-dependencies'] ? { withDependencies: false } : {}),
    ...(concurrency !== undefined ? { concurrency } : {})
  };
}

/** Prints the finished operation (JSON or text) and returns the exit code. */
async function report(operations: OperationsService, op: OperationView, io: CliIo, json: boolean): Promise<number> {
  const result = resultOf<BackupJobResult>(op);
  if ((op.status === 'succeeded' || op.status === 'partial') && result?.snapshotId) {
    const items = await itemsWithProblems(operations, op.id);
    if (json) io.stdout.write(`${JSON.stringify(jsonSummary(op, result, items), null, 2)}\n`);
    else io.stdout.write(textSummary(op, result, items));
    return op.status === 'succeeded' ? EXIT_OK : EXIT_FAILURE;
  }
  if (op.status === 'cancelled' || op.status === 'interrupted') {
    io.stderr.write(`orgkeeper: backup stopped. ${op.message ?? ''} Run the same command again to continue where it stopped.\n`.replace(/ +/g, ' '));
    return EXIT_FAILURE;
  }
  io.stderr.write(`orgkeeper: ${op.message ?? `the backup ended ${op.status}.`} (operation ${op.id})\n`);
  return EXIT_FAILURE;
}

interface ItemProblems {
  itemId: string;
  title: string;
  status: OperationItemView['status'];
  problems: PartProblem[];
}

/** The log rows of items with a problem (failed or skipped parts), read page by page. */
async function itemsWithProblems(operations: OperationsService, id: string): Promise<ItemProblems[]> {
  const found: ItemProblems[] = [];
  for (let start = 1; start > 0; ) {
    const page = await operations.items(id, { start, num: 1000 });
    for (const item of page.items) {
      const problems = (item.details?.problems as PartProblem[] | undefined) ?? [];
      if (problems.length > 0 || item.status !== 'ok') {
        found.push({ itemId: item.itemId, title: item.title, status: item.status, problems: problems.length > 0 ? problems : [{ part: 'item', status: item.status === 'ok' ? 'failed' : item.status, reason: item.error ?? 'no reason given' }] });
      }
    }
    start = page.nextStart;
  }
  return found;
}

function progressText(p: Partial<BackupProgress>): string {
  const along = p.itemsTakenAlong ? ` (${p.itemsTakenAlong} taken along)` : '';
  const what = p.phase === 'items' ? `items ${p.itemsDone ?? 0}/${p.itemsTotal ?? 0}${along}` : (p.phase ?? 'starting');
  return `Backing up: ${what}, ${formatBytes(p.bytesRead ?? 0)} read, ${formatBytes(p.newBytes ?? 0)} new`;
}

function jsonSummary(op: OperationView, result: BackupJobResult, items: ItemProblems[]) {
  return {
    snapshotId: result.snapshotId,
    operationId: op.id,
    name: result.name,
    status: result.snapshotStatus,
    counts: result.counts,
    bytesRead: result.bytesRead,
    newBytes: result.newBytes,
    durationMs: result.durationMs,
    ...(result.parent ? { parent: result.parent } : {}),
    resumed: result.resumed,
    takenAlong: result.takenAlong ?? [],
    problems: [...items, ...result.problems.map((p) => ({ [p.kind]: p.id, reason: p.reason }))]
  };
}

function textSummary(op: OperationView, result: BackupJobResult, items: ItemProblems[]): string {
  const c = result.counts;
  const lines = [
    `Snapshot ${result.snapshotId} "${result.name}" (${result.snapshotStatus})${result.resumed ? ', continued from an interrupted run' : ''}`,
    `  items: ${c.ok} ok (${c.carriedOver} unchanged), ${c.skipped} skipped, ${c.failed} failed; ${c.groups} groups, ${c.users} users`,
    `  ${formatBytes(result.bytesRead)} read from ArcGIS, ${formatBytes(result.newBytes)} added to the store, in ${(result.durationMs / 1000).toFixed(1)} s`
  ];
  for (const taken of result.takenAlong ?? []) {
    lines.push(`  taken along: ${taken.id} "${taken.title}" (${taken.type}): ${taken.neededBy.map(describeNeed).join('; ')}`);
  }
  for (const item of items.filter((i) => i.status !== 'ok')) {
    lines.push(`  ${item.status.toUpperCase()} ${item.itemId} "${item.title}": ${item.problems.map((p) => `${p.part}: ${p.reason}`).join('; ')}`);
  }
  for (const p of result.problems) lines.push(`  ${p.kind} ${p.id}: ${p.reason}`);
  lines.push(`  Operation ${op.id} (\`orgkeeper operations show ${op.id}\`).`);
  return `${lines.join('\n')}\n`;
}

export async function snapshotsCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, 'snapshots', {});
  if (values.help) {
    io.stdout.write(SNAPSHOTS_USAGE);
    return EXIT_OK;
  }
  return withIdentity(io, values, 'snapshots', async (services, row) => {
    backupIdentity(row);
    const store = await services.stores.open(row).catch((error: unknown) => {
      if ((error as { code?: string }).code === 'not_a_store') return undefined;
      throw error;
    });
    const listing = store ? await store.listSnapshots() : { snapshots: [], unreadable: [] };
    const rows = listing.snapshots.map((s) => ({
      id: s.id,
      name: s.name,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      status: s.status,
      items: s.counts.items.ok + s.counts.items.skipped + s.counts.items.failed,
      counts: s.counts,
      bytesRead: s.bytes.read,
      newBytes: s.bytes.newStored
    }));
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ identity: { id: row.id, name: row.name }, fileLocation: row.file_location, snapshots: rows, unreadable: listing.unreadable }, null, 2)}\n`);
      return EXIT_OK;
    }
    if (rows.length === 0) io.stdout.write(`No snapshots yet in ${row.file_location}. Make one with \`orgkeeper backup --identity "${row.name}"\`.\n`);
    else {
      const table = [['ID', 'NAME', 'STARTED (UTC)', 'ITEMS', 'FAILED', 'ADDED', 'STATUS'], ...rows.map((r) => [r.id, r.name, r.startedAt.slice(0, 19).replace('T', ' '), String(r.items), String(r.counts.items.failed), formatBytes(r.newBytes), r.status])];
      const widths = table[0]!.map((_, c) => Math.max(...table.map((line) => (line[c] ?? '').length)));
      for (const line of table) io.stdout.write(`${line.map((cell, c) => (c === line.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  ')}\n`);
    }
    for (const u of listing.unreadable) io.stderr.write(`Snapshot ${u.id} cannot be read: ${u.error}\n`);
    return listing.unreadable.length > 0 ? EXIT_FAILURE : EXIT_OK;
  });
}

export async function checkCommand(args: string[], io: CliIo): Promise<number> {
  // --read-data takes an optional value (=PERCENT), which parseArgs cannot express: a bare flag means 100 percent.
  const normalized = args.map((a) => (a === '--read-data' ? '--read-data=100' : a));
  const { values } = parse(normalized, 'check', { 'read-data': { type: 'string' } });
  if (values.help) {
    io.stdout.write(CHECK_USAGE);
    return EXIT_OK;
  }
  let readData: number | undefined;
  if (values['read-data'] !== undefined) {
    readData = Number(values['read-data'].replace(/%$/, ''));
    if (!Number.isFinite(readData) || readData <= 0 || readData > 100) throw new UsageError(`--read-data=PERCENT needs a percentage above 0 and at most 100, not "${values['read-data']}".`, 'check');
  }
  return withIdentity(io, values, 'check', async (services, row) => {
    const op = await startInForeground(services, 'check', row.id, readData === undefined ? {} : { readData }, io, { command: 'check', whenBusy: 'wait' });
    const result = resultOf<CheckResult>(op);
    if (!result) return failed(op, 'check', io);
    if (values.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      io.stdout.write(`${summarizeCheck(result)}\n`);
      if (result.journals.length > 0) io.stdout.write(`${result.journals.length} interrupted backup(s) can be continued: run \`orgkeeper backup --identity "${row.name}"\`.\n`);
    }
    return result.ok ? EXIT_OK : EXIT_FAILURE;
  });
}

/** An operation that ended without a result (it failed to run, or was stopped): its message, exit code 1. */
export function failed(op: OperationView, what: string, io: CliIo): number {
  io.stderr.write(`orgkeeper: ${op.message ?? `the ${what} ended ${op.status}.`} (operation ${op.id})\n`);
  return EXIT_FAILURE;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
