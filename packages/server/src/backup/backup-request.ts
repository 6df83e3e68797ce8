/** Checks a backup request (backup-request.types.ts) as the backup job receives it, with a message per field. */
import { AppError } from '../errors/app-error.js';
import { parsePolicy } from '../store/index.js';
import { MAX_BACKUP_CONCURRENCY, type BackupJobParams } from './backup-request.types.js';

const ITEM_ID = /^[0-9a-zA-Z]{1,64}$/;
const KNOWN = ['name', 'query', 'items', 'withDependencies', 'concurrency', 'retention'];

/** Whether the text is an ArcGIS item id (letters and digits). */
export function isItemId(id: string): boolean {
  return ITEM_ID.test(id);
}

/** The job's params from any input: names trimmed, item ids unique, either a query or items; throws `validation_failed`. */
export function validateBackupJobParams(input: unknown): BackupJobParams {
  const params = (input ?? {}) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  const clean: BackupJobParams = {};
  for (const key of Object.keys(params)) if (!KNOWN.includes(key)) fields[key] = `Unknown backup option "${key}" (known: ${KNOWN.join(', ')}).`;
  if (params.name !== undefined) {
    const name = typeof params.name === 'string' ? params.name.trim() : '';
    if (typeof params.name !== 'string') fields.name = 'The backup name must be text.';
    else if (name === '') fields.name = 'The backup name is empty; leave it out to use the default (identity name and time).';
    else if ([...name].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) fields.name = 'The backup name may not contain control characters.';
    else if (name.length > 500) fields.name = 'The backup name is longer than 500 characters.';
    else clean.name = name;
  }
  if (params.query !== undefined) {
    const query = typeof params.query === 'string' ? params.query.trim() : '';
    if (query === '') fields.query = 'The search query is empty; leave it out to back up every item.';
    else clean.query = query;
  }
  if (params.items !== undefined) {
    const list = Array.isArray(params.items) ? params.items : [];
    const ids = [...new Set(list.map((id) => String(id).trim()))];
    const bad = ids.find((id) => !isItemId(id));
    if (ids.length === 0) fields.items = 'Give at least one item id, or leave items out to back up every item.';
    else if (bad !== undefined) fields.items = `"${bad}" is not an ArcGIS item id (letters and digits, e.g. 9f86d081884c7d659a2feaa0c55ad015).`;
    else clean.items = ids;
    if (params.query !== undefined) fields.items = 'Give either a search query or item ids, not both.';
  }
  if (params.withDependencies !== undefined) {
    if (typeof params.withDependencies !== 'boolean') fields.withDependencies = 'withDependencies must be true or false (whether chosen items take along what they need, e.g. a survey its service).';
    else clean.withDependencies = params.withDependencies;
  }
  if (params.concurrency !== undefined && params.concurrency !== null) {
    const n = params.concurrency;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_BACKUP_CONCURRENCY) {
      fields.concurrency = `concurrency must be a whole number from 1 to ${MAX_BACKUP_CONCURRENCY} (requests in flight at once).`;
    } else clean.concurrency = n;
  }
  if (params.retention !== undefined && params.retention !== null) {
    const parsed = parsePolicy(params.retention);
    if ('problem' in parsed) fields.retention = parsed.problem;
    else clean.retention = parsed.policy;
  }
  if (Object.keys(fields).length > 0) throw AppError.validation(fields);
  return clean;
}
