// An operation's per-item log as CSV for spreadsheets: readable UTC dates, sizes in bytes, and every cell that a
// spreadsheet could run as a formula made inert (titles come from ArcGIS and are untrusted).
import type { Operation, OperationItem } from '../../api/operations.api';
import { readableUtc } from '../../components/units';
import { saveBlob } from '../../lib/save-file';

const HEADER = ['Item ID', 'Title', 'Type', 'Owner', 'Modified', 'Status', 'Parts', 'Carried over', 'Bytes read', 'New bytes stored', 'Duration (s)', 'Error'];

/** One CSV cell: quoted when needed; a leading =, +, -, @, tab or carriage return gets an apostrophe (OWASP CSV injection). */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** The CSV text, starting with a byte-order mark so spreadsheet programs read it as UTF-8. */
export function operationCsv(operation: Operation, items: readonly OperationItem[]): string {
  const lines = [
    csvLine(['Operation', operation.id, 'Kind', operation.kind, 'Status', operation.status]),
    csvLine(['Started', readableUtc(operation.startedAt ?? operation.createdAt), 'Finished', readableUtc(operation.finishedAt), 'By', operation.createdBy]),
    '\r\n',
    csvLine(HEADER)
  ];
  for (const item of items) {
    lines.push(
      csvLine([
        item.itemId,
        item.title,
        item.type,
        item.owner,
        readableUtc(item.modified),
        item.status,
        item.parts.join(' '),
        item.carriedOver ? 'yes' : 'no',
        item.bytesRead,
        item.newBytes,
        (item.durationMs / 1000).toFixed(2),
        item.error ?? ''
      ])
    );
  }
  return `\uFEFF${lines.join('')}`;
}

export function csvFileName(operation: Operation): string {
  const day = (operation.startedAt ?? operation.createdAt).slice(0, 10);
  return `orgkeeper-${operation.kind}-${day}-${operation.id.slice(0, 8)}.csv`;
}

/** Saves text as a file (the browser's download). */
export function downloadText(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  saveBlob(new Blob([text], { type }), filename);
}
