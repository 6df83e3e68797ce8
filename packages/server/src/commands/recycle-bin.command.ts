/**
 * `orgkeeper recycle-bin list|restore`: ArcGIS Online's recycle bin of an identity's organization, as the Recycle bin
 * page shows it (every member's bin, who deleted what through OrgKeeper, the earliest purge, the backup holding it),
 * and restoring items from it with their ids.
 */
import type { RecycleBinView } from '../recycle-bin/recycle-bin.types.js';
import { cliUserActor, EXIT_FAILURE, EXIT_OK, oneLine, textTable, UsageError, type CliIo } from './cli-io.js';
import { findIdentity, startSubcommand, type SubcommandCall, type SubcommandValues } from './command-services.js';

export const RECYCLE_BIN_USAGE = `Usage: orgkeeper recycle-bin <list|restore> --identity NAME [options]

ArcGIS Online keeps deleted items in the organization's recycle bin for at least 14 days, where it is on; an item
restored from it keeps its id, so the maps, apps and forms that use it work again. ArcGIS Enterprise has no bin.

  recycle-bin list --identity NAME [--json]
      every member's bin: id, type, owner, who deleted it through OrgKeeper and when, the earliest it may be purged,
      and the newest snapshot holding it
  recycle-bin restore --identity NAME ITEM_ID [ITEM_ID ...] [--owner USER] [--json]
      brings the items back with their ids, into the folders they were deleted from (a view after its source);
      ArcGIS shares a restored item with its owner only: restore it in place from a snapshot to get its sharing back

  --owner USER          the items' owner (checked against the bin)
  --json                machine-readable output
  --data-dir DIR        folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL    PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]

Exit codes: 0 done, 1 some items could not be restored (each is listed with the reason), 2 wrong usage.
`;

const OPTIONS = {
  identity: { type: 'string' },
  owner: { type: 'string' },
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const;

type Call = SubcommandCall<SubcommandValues<typeof OPTIONS>>;

export async function recycleBinCommand(args: string[], io: CliIo): Promise<number> {
  const call = startSubcommand('recycle-bin', RECYCLE_BIN_USAGE, args, io, OPTIONS);
  if (typeof call === 'number') return call;
  const { sub } = call;
  if (!call.values.identity) throw new UsageError('Name the identity: --identity NAME.', 'recycle-bin');
  if (sub === 'list') return listBin(call);
  if (sub === 'restore') return restoreFromBin(call);
  throw new UsageError(`Unknown recycle-bin command "${sub}".`, 'recycle-bin');
}

async function listBin(call: Call): Promise<number> {
  if (call.positionals.length > 0) throw new UsageError('recycle-bin list takes no operands.', 'recycle-bin');
  return call.run(async (services) => {
    const row = await findIdentity(services, call.values.identity!, 'recycle-bin');
    const view = await services.recycleBin.list(row.id);
    if (call.json) call.io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    else printBin(call.io, view);
    return EXIT_OK;
  });
}

function printBin(io: CliIo, view: RecycleBinView): void {
  if (view.message) io.stdout.write(`${view.message}\n`);
  if (!view.supported) return;
  if (view.items.length === 0) io.stdout.write('The recycle bin is empty.\n');
  else {
    const day = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');
    const table = [
      ['ID', 'TYPE', 'OWNER', 'DELETED BY', 'DELETED (UTC)', 'PURGED FROM (UTC)', 'BACKUP', 'TITLE'],
      ...view.items.map((i) => [i.id, oneLine(i.type), i.owner, i.deletedBy?.username ?? '-', day(i.deletedAt), day(i.purgeAfter), i.backupSnapshotId ?? 'none', oneLine(i.title)])
    ];
    for (const line of textTable(table)) io.stdout.write(`${line}\n`);
    io.stdout.write(`\nArcGIS keeps an item at least ${view.retentionHours} hours; who deleted it and when are known only for OrgKeeper's own deletes.\n`);
  }
  for (const p of view.problems) io.stdout.write(`Could not read ${p.owner ? `the bin of ${p.owner}` : 'every bin'}: ${oneLine(p.error)}\n`);
  if (view.backupNote) io.stdout.write(`${view.backupNote}\n`);
}

async function restoreFromBin(call: Call): Promise<number> {
  if (call.positionals.length === 0) throw new UsageError('recycle-bin restore needs the ids of the items to restore (see `orgkeeper recycle-bin list`).', 'recycle-bin');
  const owner = call.values.owner;
  return call.run(async (services) => {
    const row = await findIdentity(services, call.values.identity!, 'recycle-bin');
    const answer = await services.recycleBin.restore(row.id, call.positionals.map((id) => ({ id, ...(owner ? { owner } : {}) })), cliUserActor());
    if (call.json) call.io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    else {
      for (const r of answer.results) call.io.stdout.write(r.status === 'ok' ? `restored  ${r.itemId} (same id)\n` : `failed    ${r.itemId}: ${oneLine(r.error ?? '')}\n`);
      if (answer.results.some((r) => r.status === 'ok')) call.io.stdout.write(`${answer.note}\n`);
    }
    return answer.results.every((r) => r.status === 'ok') ? EXIT_OK : EXIT_FAILURE;
  });
}
