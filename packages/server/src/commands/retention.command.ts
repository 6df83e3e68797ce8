/**
 * `orgkeeper forget` and `orgkeeper prune`: apply a retention policy to an identity's snapshots, then delete the
 * content no snapshot references any more. Both run here as operations (`forget`, `prune`), like the server's.
 */
import { parseArgs } from 'node:util';
import { KEEP_FLAG_OPTIONS, policyFromFlags, type ForgetResult, type PruneResult } from '../store/index.js';
import { failed, formatBytes } from './backup.command.js';
import { databaseFlags, findIdentity, withServices } from './command-services.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliIo } from './cli-io.js';
import { resultOf, startInForeground } from './foreground-run.js';

export const FORGET_USAGE = `Usage: orgkeeper forget --identity NAME [--keep-last N] [--keep-daily N] [--keep-weekly N]
                       [--keep-monthly N] [--keep-yearly N] [--utc] [--dry-run] [--json]

Removes the snapshots a retention policy does not keep (the newest snapshot of each kept day, week, month or year, and
the N newest). Their content stays in the File Location until \`orgkeeper prune\` deletes what nothing references.
At least one --keep option is required. Days and weeks are counted in the server's local time (--utc: in UTC).
`;

export const PRUNE_USAGE = `Usage: orgkeeper prune --identity NAME [--dry-run] [--json]

Deletes stored content that no snapshot references, under an exclusive lock (never while a backup runs), and never
content an interrupted backup that can still be continued has stored.
`;

const COMMON = { identity: { type: 'string' }, json: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(args: string[], command: string, options: T) {
  try {
    return parseArgs({ args, strict: true, allowPositionals: false, options: { ...options, ...COMMON } });
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}

export async function forgetCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, 'forget', { ...KEEP_FLAG_OPTIONS, utc: { type: 'boolean' } });
  if (values.help) {
    io.stdout.write(FORGET_USAGE);
    return EXIT_OK;
  }
  if (!values.identity) throw new UsageError('--identity is required.', 'forget');
  const flags = policyFromFlags(values);
  if ('problem' in flags) throw new UsageError(flags.problem, 'forget');
  if (Object.keys(flags.policy).length === 0) throw new UsageError('Give at least one --keep-... option; forget never removes every snapshot by default.', 'forget');
  const params = { policy: flags.policy, ...(values['dry-run'] ? { dryRun: true } : {}), ...(values.utc ? { timeZone: 'UTC' as const } : {}) };
  const identityName = values.identity;
  return withServices(io, databaseFlags(values), async (services) => {
    const row = await findIdentity(services, identityName, 'forget');
    const op = await startInForeground(services, 'forget', row.id, params, io, { command: 'forget', whenBusy: 'wait' });
    const result = resultOf<ForgetResult>(op);
    if (!result) return failed(op, 'forget', io);
    if (values.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      for (const k of result.keep) io.stdout.write(`keep    ${k.id}  ${k.startedAt}  ${k.name}  (${k.reasons.join(', ')})\n`);
      for (const r of result.remove) io.stdout.write(`${result.dryRun ? 'would remove' : 'remove'}  ${r.id}  ${r.startedAt}  ${r.name}\n`);
      io.stdout.write(
        result.dryRun
          ? `Dry run: ${result.remove.length} of ${result.keep.length + result.remove.length} snapshots would be removed.\n`
          : `Removed ${result.removed.length} snapshots; run \`orgkeeper prune --identity "${row.name}"\` to free their space.\n`
      );
      for (const e of result.errors) io.stderr.write(`Could not remove ${e.id}: ${e.error}\n`);
    }
    return result.errors.length > 0 ? EXIT_FAILURE : EXIT_OK;
  });
}

export async function pruneCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, 'prune', {});
  if (values.help) {
    io.stdout.write(PRUNE_USAGE);
    return EXIT_OK;
  }
  if (!values.identity) throw new UsageError('--identity is required.', 'prune');
  const identityName = values.identity;
  return withServices(io, databaseFlags(values), async (services) => {
    const row = await findIdentity(services, identityName, 'prune');
    const op = await startInForeground(services, 'prune', row.id, values['dry-run'] ? { dryRun: true } : {}, io, { command: 'prune', whenBusy: 'wait' });
    const result = resultOf<PruneResult>(op);
    if (!result) return failed(op, 'prune', io);
    if (values.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      const verb = result.dryRun ? 'would delete' : 'deleted';
      io.stdout.write(
        `${result.snapshots} snapshots reference ${result.referencedBlobs} blobs; ${result.protectedByJournals} more are kept for interrupted backups.\n` +
          `${result.unreferencedBlobs} unreferenced blobs: ${verb} ${result.dryRun ? result.unreferencedBlobs : result.deletedBlobs}, ${formatBytes(result.bytesFreed)} ${result.dryRun ? 'to free' : 'freed'}.\n`
      );
      for (const e of result.errors) io.stderr.write(`Could not delete ${e.hash}: ${e.error}\n`);
    }
    return result.errors.length > 0 ? EXIT_FAILURE : EXIT_OK;
  });
}
