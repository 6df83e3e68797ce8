/**
 * CSV (RFC 4180): fields separated by commas, quoted when they hold a comma, quote, CR or LF (quotes doubled), lines
 * ended by CRLF. Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) get a
 * leading apostrophe: titles come from ArcGIS and are untrusted (OWASP "CSV injection").
 */
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
