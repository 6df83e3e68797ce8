/**
 * `orgkeeper snapshot show|diff`, `orgkeeper export` and `orgkeeper log`: look into snapshots, compare two, export an
 * item as a ZIP, and print a snapshot's per-item log (CSV with --csv). A snapshot id is found in the File Location of
 * whichever identity holds it (`--identity` narrows the search).
 */
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { exportItemZip, snapshotLogCsv, entryParts } from '../backup/export/index.js';
import { chosenItems, describeNeed, takenAlongSummary, type TakenAlongSummary } from '../backup/item-dependencies.js';
import type { IdentityRow } from '../identities/identity.types.js';
import type { LiveItemDiff } from '../restore/live-diff.js';
import type { Services } from '../services.js';
import { diffSnapshots, isSnapshotId, isStoreError, type ItemEntry, type SnapshotManifest, type Store } from '../store/index.js';
import { formatBytes } from './backup.command.js';
import { databaseFlags, findIdentity, withServices } from './command-services.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, oneLine, type CliIo } from './cli-io.js';

export const SNAPSHOT_USAGE = `Usage: orgkeeper snapshot show ID [--identity NAME] [--json]
       orgkeeper snapshot diff FROM TO [--identity NAME] [--json]
       orgkeeper snapshot diff ID --live --item ITEM_ID [--identity NAME] [--json]

show: a snapshot's summary and its items (id, status, type, owner, title); an item a backup of chosen items took
      along says so and for which item ("taken along: service of survey Storm damage").
diff: items, groups and users added, removed and changed between two snapshots, and which parts of an item changed;
      with --live, one item of a snapshot against the live item, part by part (item, data, resources, sharing,
      thumbnail, metadata). Restore the parts you pick with \`orgkeeper restore --mode in-place --items ID --parts P,P\`.

  --live                compare with the live organization (needs --item)
  --item ITEM_ID        the item to compare

  --identity NAME       look for the snapshot only in this identity's File Location
  --json                machine-readable output
  --data-dir DIR        folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL    PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]
`;

export const EXPORT_USAGE = `Usage: orgkeeper export --snapshot ID --item ITEM_ID --out FILE.zip [--identity NAME] [--json]

Writes one backed-up item as a ZIP: item JSON, data, resources, thumbnail, metadata, sharing, and for hosted feature
layers the service and layer definitions, every layer as GeoJSON and the attachments. The file appears only when it
is complete.
`;

export const LOG_USAGE = `Usage: orgkeeper log --snapshot ID [--csv] [--out FILE] [--identity NAME]

The per-item log of a snapshot: id, title, type, owner, parts, bytes read, new bytes stored, status, error, duration.
--csv writes CSV (ISO dates, RFC 4180) to standard output or --out FILE.
`;

function liveDiffText(diff: LiveItemDiff, identity: string): string {
  const lines = [`${diff.type} "${oneLine(diff.title)}" (${diff.itemId}): snapshot ${diff.snapshotId} against the live item of ${identity}`];
  if (diff.live === 'deleted') lines.push('  The item no longer exists: bring it back with `orgkeeper restore --mode recreate`.');
  for (const p of diff.parts) {
    lines.push(`  ${p.part.padEnd(10)} ${p.status}`);
    for (const c of p.changes) {
      const values = c.how === 'changed' && (c.snapshot !== undefined || c.live !== undefined) ? `: ${short(c.snapshot)} -> ${short(c.live)}` : '';
      lines.push(`    ${c.how === 'changed' ? '~' : c.how === 'only live' ? '+' : '-'} ${oneLine(c.what)}${c.how === 'changed' ? '' : ` (${c.how})`}${values}`);
    }
  }
  const changed = diff.parts.filter((p) => p.status === 'changed').map((p) => p.part);
  if (changed.length > 0) lines.push(`Restore these parts: orgkeeper restore --identity ${JSON.stringify(identity)} --snapshot ${diff.snapshotId} --mode in-place --items ${diff.itemId} --parts ${changed.join(',')}`);
  else if (diff.live === 'exists') lines.push('The live item is as in the snapshot.');
  return `${lines.join('\n')}\n`;
}

/** A value on one line, at most 80 characters. */
/** "taken along: service of survey Storm damage (and 2 more)": why a backup of chosen items took an item along. */
export function takenAlongText(t: TakenAlongSummary): string {
  const more = t.neededBy > 1 ? ` (and ${t.neededBy - 1} more)` : '';
  return `taken along: ${oneLine(describeNeed(t))}${more}`;
}

function short(value: unknown): string {
  const text = oneLine(typeof value === 'string' ? value : (JSON.stringify(value) ?? 'none'));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(args: string[], command: string, options: T, positionals = false) {
  try {
    return parseArgs({
      args,
      strict: true,
      allowPositionals: positionals,
      options: { ...options, identity: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } }
    });
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}

interface Located {
  row: IdentityRow;
  store: Store;
  manifest: SnapshotManifest;
}

/** Finds the identity whose store holds the snapshot. */
async function locateSnapshot(services: Services, snapshotId: string, identity: string | undefined, command: string): Promise<Located> {
  if (!isSnapshotId(snapshotId)) throw new UsageError(`"${snapshotId}" is not a snapshot id (see \`orgkeeper snapshots --identity NAME\`).`, command);
  const rows = identity ? [await findIdentity(services, identity, command)] : await services.identities.listRows();
  for (const row of rows) {
    let store: Store;
    try {
      store = await services.stores.open(row);
    } catch {
      continue; // no store (yet) in that File Location
    }
    try {
      return { row, store, manifest: await store.readSnapshot(snapshotId) };
    } catch (error) {
      if (isStoreError(error) && error.code === 'snapshot_not_found') continue;
      throw error;
    }
  }
  const where = identity ? `the File Location of "${identity}"` : "any identity's File Location";
  throw new UsageError(`Snapshot ${snapshotId} is not in ${where}. List them with \`orgkeeper snapshots --identity NAME\`.`, command);
}

export async function snapshotCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, 'snapshot', { live: { type: 'boolean' }, item: { type: 'string' } }, true);
  const [sub, ...ids] = positionals;
  if (values.help || !sub) {
    io.stdout.write(SNAPSHOT_USAGE);
    return values.help ? EXIT_OK : 2;
  }
  if (sub === 'show') {
    if (ids.length !== 1) throw new UsageError('snapshot show takes one snapshot id.', 'snapshot');
    return withServices(io, databaseFlags(values), async (services) => {
      const { row, store, manifest } = await locateSnapshot(services, ids[0]!, values.identity, 'snapshot');
      const entries: ItemEntry[] = [];
      for await (const e of store.readList(manifest, 'items')) entries.push(e);
      // As the API's item list says it: the (chosen) item that needs it, and how many do; null for items chosen.
      const chosen = chosenItems(entries);
      const items = entries.map((e) => ({ id: e.id, title: e.title, type: e.type, owner: e.owner, status: e.status, layers: e.service?.layers.length ?? 0, takenAlong: takenAlongSummary(e, chosen) }));
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ identity: { id: row.id, name: row.name }, snapshot: { ...manifest, lists: undefined }, items }, null, 2)}\n`);
        return EXIT_OK;
      }
      const c = manifest.counts;
      io.stdout.write(
        `Snapshot ${manifest.id} "${manifest.name}" of ${row.name} (${manifest.org.portalUrl})\n` +
          `  ${manifest.startedAt} to ${manifest.finishedAt}, ${manifest.status}\n` +
          `  items: ${c.items.ok} ok, ${c.items.skipped} skipped, ${c.items.failed} failed; groups ${c.groups}, users ${c.users}\n` +
          `  read ${formatBytes(manifest.bytes.read)}, added ${formatBytes(manifest.bytes.newStored)} to the store\n\n`
      );
      for (const i of items) io.stdout.write(`${i.id}  ${i.status.padEnd(7)}  ${i.type}  ${i.owner}  ${oneLine(i.title)}${i.takenAlong ? `  (${takenAlongText(i.takenAlong)})` : ''}\n`);
      return EXIT_OK;
    });
  }
  if (sub === 'diff' && (values.live || values.item !== undefined)) {
    if (!values.live || !values.item) throw new UsageError('Compare an item with the live organization with --live --item ITEM_ID (both).', 'snapshot');
    if (ids.length !== 1) throw new UsageError('snapshot diff --live takes one snapshot id.', 'snapshot');
    const itemId = values.item;
    return withServices(io, databaseFlags(values), async (services) => {
      const { row } = await locateSnapshot(services, ids[0]!, values.identity, 'snapshot');
      const diff = await services.restores.liveDiff(row.id, ids[0]!, itemId);
      if (values.json) {
        io.stdout.write(`${JSON.stringify(diff, null, 2)}\n`);
        return EXIT_OK;
      }
      io.stdout.write(liveDiffText(diff, row.name));
      return EXIT_OK;
    });
  }
  if (sub === 'diff') {
    if (ids.length !== 2) throw new UsageError('snapshot diff takes two snapshot ids: FROM TO.', 'snapshot');
    return withServices(io, databaseFlags(values), async (services) => {
      const from = await locateSnapshot(services, ids[0]!, values.identity, 'snapshot');
      const to = await locateSnapshot(services, ids[1]!, values.identity ?? from.row.id, 'snapshot');
      const diff = await diffSnapshots(from.store, from.manifest, to.manifest);
      if (values.json) {
        io.stdout.write(`${JSON.stringify(diff, null, 2)}\n`);
        return EXIT_OK;
      }
      const { items, groups, users } = diff;
      io.stdout.write(`Items: ${items.added.length} added, ${items.removed.length} removed, ${items.changed.length} changed, ${items.unchanged} unchanged\n`);
      for (const i of items.added) io.stdout.write(`  + ${i.id}  ${i.type}  ${oneLine(i.title)}\n`);
      for (const i of items.removed) io.stdout.write(`  - ${i.id}  ${i.type}  ${oneLine(i.title)}\n`);
      for (const i of items.changed) io.stdout.write(`  ~ ${i.id}  ${i.type}  ${oneLine(i.title)}: ${i.parts.join(', ')}\n`);
      io.stdout.write(`Groups: ${groups.added.length} added, ${groups.removed.length} removed, ${groups.changed.length} changed\n`);
      io.stdout.write(`Users: ${users.added.length} added, ${users.removed.length} removed, ${users.changed.length} changed\n`);
      return EXIT_OK;
    });
  }
  throw new UsageError(`Unknown snapshot command "${sub}". The snapshot command has: show, diff.`, 'snapshot');
}

export async function exportCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, 'export', { snapshot: { type: 'string' }, item: { type: 'string' }, out: { type: 'string' } });
  if (values.help) {
    io.stdout.write(EXPORT_USAGE);
    return EXIT_OK;
  }
  if (!values.snapshot || !values.item || !values.out) throw new UsageError('export needs --snapshot ID, --item ITEM_ID and --out FILE.zip.', 'export');
  const { snapshot, item } = values;
  const out = resolve(io.cwd, values.out);
  return withServices(io, databaseFlags(values), async (services) => {
    const { store } = await locateSnapshot(services, snapshot, values.identity, 'export');
    const result = await exportItemZip(store, snapshot, item, out);
    if (values.json) io.stdout.write(`${JSON.stringify({ out, ...result }, null, 2)}\n`);
    else io.stdout.write(`Wrote ${out}\n`);
    return EXIT_OK;
  });
}

export async function logCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, 'log', { snapshot: { type: 'string' }, csv: { type: 'boolean' }, out: { type: 'string' } });
  if (values.help) {
    io.stdout.write(LOG_USAGE);
    return EXIT_OK;
  }
  if (!values.snapshot) throw new UsageError('log needs --snapshot ID.', 'log');
  const snapshot = values.snapshot;
  return withServices(io, databaseFlags(values), async (services) => {
    const { store, manifest } = await locateSnapshot(services, snapshot, values.identity, 'log');
    if (values.csv) {
      if (values.out) {
        const file = createWriteStream(resolve(io.cwd, values.out));
        await snapshotLogCsv(store, snapshot, file);
        file.end();
        await finished(file);
      } else {
        await snapshotLogCsv(store, snapshot, io.stdout);
      }
      return EXIT_OK;
    }
    let failed = 0;
    for await (const e of store.readList(manifest, 'items')) {
      if (e.status === 'failed') failed++;
      const error = e.problems?.find((p) => p.status === 'failed')?.reason ?? '';
      io.stdout.write(`${e.status.padEnd(7)}  ${e.id}  ${e.type}  ${entryParts(e)}  ${oneLine(e.title)}${error ? `  (${oneLine(error)})` : ''}\n`);
    }
    return failed > 0 ? EXIT_FAILURE : EXIT_OK;
  });
}
