/**
 * CSV (RFC 4180): fields separated by commas, quoted when they hold a comma, quote, CR or LF (quotes doubled), lines
 * ended by CRLF. Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) get a
 * leading apostrophe: titles come from ArcGIS and are untrusted (OWASP "CSV injection").
 */
import type { OperationItemView } from './operation.types.js';

export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly CsvCell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * The per-item log's CSV columns (dates ISO 8601 UTC, sizes in bytes, durations in milliseconds). The same columns for
 * every kind, so scripts read any log alike: `action` (restore and fix steps: create, overwrite, delete...) and
 * `new id` (what a step created) come last and are empty for backups.
 */
const CSV_HEADER = ['item id', 'title', 'type', 'owner', 'modified', 'status', 'parts', 'carried over', 'bytes read', 'new bytes stored', 'duration ms', 'error', 'action', 'new id'];

/** An operation's per-item log as CSV. */
export function operationItemsCsv(items: readonly OperationItemView[]): string {
  const lines = [csvLine(CSV_HEADER)];
  for (const item of items) {
    lines.push(
      csvLine([
        item.itemId,
        item.title,
        item.type,
        item.owner,
        item.modified,
        item.status,
        item.parts.join(' '),
        item.carriedOver ? 'yes' : 'no',
        item.bytesRead,
        item.newBytes,
        item.durationMs,
        item.error,
        item.action,
        item.newId
      ])
    );
  }
  return lines.join('');
}
