import { StoreError } from './store-error.js';

/** Names Windows maps to devices whatever the extension (`CON.txt` opens the console). */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
// Control characters are never valid in names we write; on Windows several other characters are reserved as well.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f<>:"|?*]/;
const MAX_PATH_LENGTH = 1024;
const MAX_SEGMENT_LENGTH = 255;

/**
 * Validate a relative path that comes from ArcGIS or a user (resource paths, data file names, attachment names) so that
 * export and restore can never write outside the folder they write into, on Linux or Windows. Returns the path with `/`
 * separators. Rejects rather than "fixes": a silently rewritten name could collide with another one.
 *
 * Rejected: empty paths, absolute paths (`/x`, `\x`, `C:\x`, `C:x`, `\\server\share`), `.` and `..` segments, empty
 * segments (`a//b`), NUL and control characters, characters Windows reserves (`<>:"|?*`, so also drive letters and
 * alternate data streams), segments ending in a dot or space (Windows strips them, so `a.` would become `a`), Windows
 * device names (`CON`, `nul.txt`), and over-long paths. Backslashes are treated as separators because Windows does.
 */
export function safeRelativePath(input: unknown): string {
  const problem = pathProblem(input);
  if (problem !== undefined) {
    throw new StoreError('unsafe_path', `Unsafe path ${JSON.stringify(input)}: ${problem}. Paths in a backup must be relative and stay inside their folder.`);
  }
  return (input as string).split(/[\\/]/).join('/');
}

/** A single file name (no folders), validated like `safeRelativePath`. */
export function safeFileName(input: unknown): string {
  const path = safeRelativePath(input);
  if (path.includes('/')) {
    throw new StoreError('unsafe_path', `Unsafe file name ${JSON.stringify(input)}: a file name cannot contain "/" or "\\".`);
  }
  return path;
}

export function isSafeRelativePath(input: unknown): boolean {
  return pathProblem(input) === undefined;
}

function pathProblem(input: unknown): string | undefined {
  if (typeof input !== 'string') return 'it is not a string';
  if (input.length === 0) return 'it is empty';
  if (input.length > MAX_PATH_LENGTH) return `it is longer than ${MAX_PATH_LENGTH} characters`;
  if (input.startsWith('/') || input.startsWith('\\')) return 'it is absolute';
  if (/^[a-zA-Z]:/.test(input)) return 'it starts with a drive letter';
  for (const segment of input.split(/[\\/]/)) {
    if (segment === '') return 'it has an empty segment';
    if (segment === '.' || segment === '..') return `it has a "${segment}" segment`;
    if (FORBIDDEN_CHARS.test(segment)) return 'it contains a control or reserved character (<>:"|?* or NUL)';
    if (segment.endsWith('.') || segment.endsWith(' ')) return 'a segment ends with a dot or a space';
    if (WINDOWS_DEVICE.test(segment)) return `"${segment}" is a reserved device name on Windows`;
    if (Buffer.byteLength(segment) > MAX_SEGMENT_LENGTH) return `a segment is longer than ${MAX_SEGMENT_LENGTH} bytes`;
  }
  return undefined;
}
