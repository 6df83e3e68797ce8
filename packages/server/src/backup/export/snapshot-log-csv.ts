/**
 * A snapshot's run log as CSV (RFC 4180): one row per item with what was stored, how much was read and written, its
 * status and why a part is missing. Titles, owners and error messages come from ArcGIS and are untrusted: every cell is
 * quoted as RFC 4180 requires and cells a spreadsheet would run as a formula are neutralized (OWASP "CSV injection").
 * Rows are written one list page at a time, so an organization of any size is exported in bounded memory.
 */
import type { Writable } from 'node:stream';
import { type ItemEntry, type Store, assertSnapshotId, readListPage } from '../../store/index.js';
import { writeChunk } from './export-support.js';

export const SNAPSHOT_LOG_COLUMNS = [
  'id',
  'title',
  'type',
  'owner',
  'modified',
  'parts',
  'bytes read',
  'new bytes stored',
  'status',
  'error',
  'duration (ms)',
  'carried over from'
] as const;

export interface SnapshotLogOptions {
  /** Start with a UTF-8 byte order mark so Excel reads non-ASCII titles right (default false: plain RFC 4180). */
  bom?: boolean;
}

/**
 * One CSV cell. Quoted when it holds a comma, quote, CR or LF (quotes doubled); a cell starting with `=`, `+`, `-`, `@`,
 * tab or CR gets a leading single quote so spreadsheets show it as text instead of evaluating it.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(cells: readonly (string | number | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** The parts an item entry holds, e.g. `item;data;resources(3);thumbnail;metadata;sharing;related(1);service;layers(2)`. */
export function entryParts(entry: ItemEntry): string {
  const parts: string[] = [];
  if (entry.item) parts.push('item');
  if (entry.data) parts.push(entry.data.kind === 'file' ? 'data(file)' : 'data');
  if (entry.resources?.length) parts.push(`resources(${entry.resources.length})`);
  if (entry.thumbnail) parts.push('thumbnail');
  if (entry.metadata) parts.push('metadata');
  if (entry.sharing) parts.push('sharing');
  if (entry.related?.length) parts.push(`related(${entry.related.length})`);
  if (entry.service) {
    const layers = entry.service.layers;
    parts.push('service', `layers(${layers.length})`);
    const features = layers.reduce((n, l) => n + l.featureCount, 0);
    const attachments = layers.reduce((n, l) => n + (l.attachmentCount ?? 0), 0);
    parts.push(`features(${features})`);
    if (attachments > 0) parts.push(`attachments(${attachments})`);
  }
  return parts.join(';');
}

/** What went wrong, one `part: status: reason` per problem (the item's and its layers'). */
function entryError(entry: ItemEntry): string {
  const problems = [...(entry.problems ?? [])];
  for (const layer of entry.service?.layers ?? []) {
    for (const p of layer.problems ?? []) problems.push({ ...p, part: p.part.startsWith('layer') ? p.part : `layer:${layer.id} ${p.part}` });
  }
  return problems.map((p) => `${p.part}: ${p.status}: ${p.reason}${p.code ? ` (${p.code})` : ''}`).join('; ');
}

const isoDate = (ms: number): string => (Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : '');

export function snapshotLogRow(entry: ItemEntry): string {
  return csvRow([
    entry.id,
    entry.title,
    entry.type,
    entry.owner,
    isoDate(entry.modified),
    entryParts(entry),
    entry.stats?.bytesRead,
    entry.stats?.newBytesStored,
    entry.status,
    entryError(entry),
    entry.stats?.durationMs,
    entry.carriedFrom
  ]);
}

/**
 * Write the CSV log of a snapshot to `out` (which is not ended: the caller owns it). Returns the number of item rows.
 * StoreError `snapshot_not_found` / `invalid_id` for a wrong snapshot id.
 */
export async function snapshotLogCsv(store: Store, snapshotId: string, out: Writable, options: SnapshotLogOptions = {}): Promise<{ rows: number }> {
  assertSnapshotId(snapshotId);
  const manifest = await store.readSnapshot(snapshotId);
  await writeChunk(out, (options.bom ? '\uFEFF' : '') + csvRow(SNAPSHOT_LOG_COLUMNS));
  let rows = 0;
  for (const page of manifest.lists.items) {
    const entries = await readListPage(store.blobs, 'items', page);
    await writeChunk(out, entries.map(snapshotLogRow).join(''));
    rows += entries.length;
  }
  return { rows };
}
