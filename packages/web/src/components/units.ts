// Sizes, counts, dates and durations as the pages show them.

const SIZE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** Bytes as people read them, in binary steps like ArcGIS's own storage figures: "0 B", "980 B", "1.2 MB", "37 GB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  const text = value.toFixed(digits).replace(/\.0$/, '');
  return `${text} ${SIZE_UNITS[unit]}`;
}

/** 1234 -> "1,234". */
export function formatCount(value: number): string {
  return new Intl.NumberFormat('en-US').format(value);
}

/** "3 items", "1 item". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** An ISO date in the browser's time zone, e.g. "Nov 24, 2026, 11:21 PM"; "—" when absent or unreadable. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** An ISO date as a spreadsheet-friendly readable UTC time: "2026-11-24 23:21:05 UTC"; empty when absent. */
export function readableUtc(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Milliseconds as "850 ms", "12.4 s", "3 min 5 s", "1 h 2 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return s > 0 ? `${m} min ${s} s` : `${m} min`;
}

/** The time between two ISO dates (or until now), formatted. */
export function elapsed(startIso: string | null | undefined, endIso?: string | null, now: number = Date.now()): string {
  if (!startIso) return '—';
  const start = Date.parse(startIso);
  const end = endIso ? Date.parse(endIso) : now;
  return Number.isNaN(start) || Number.isNaN(end) ? '—' : formatDuration(Math.max(0, end - start));
}
