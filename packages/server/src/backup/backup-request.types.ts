/**
 * What a backup is asked to do, declared once: the API's request body (its JSON schema is below, checked against the
 * type when compiling), the CLI's flags, a schedule's run and the backup job's params all have this shape. Node-free:
 * the web app imports it.
 */
import type { FromJsonSchema, SameType } from '../lib/json-schema.types.js';
import type { ForgetPolicy } from '../store/retention.types.js';

/** The most requests one backup has in flight, and items it works on at once. */
export const MAX_BACKUP_CONCURRENCY = 64;

/** Neither `items` nor `query`: everything (items, groups and users). */
export interface BackupRequest {
  /** The snapshot's name (default: the identity's name and the time). */
  name?: string;
  /** Only the items an ArcGIS search finds, e.g. `owner:jdoe` or `type:"Web Map"` (not with `items`). */
  query?: string;
  /** Only these items, by id (not with `query`). */
  items?: string[];
  /**
   * With `items` or `query`: also back up what the chosen items need to be restored: a Survey123 form's service, views
   * and data, a view's source, a service's views (backup/item-dependencies.ts). Default true; a full backup holds them anyway.
   */
  withDependencies?: boolean;
  /** Requests to ArcGIS in flight at once, 1-64 (default: the server's setting, else the engine's). */
  concurrency?: number;
}

/** The request body of `POST /api/identities/:id/backups`; the backup job checks the rest (item ids, trimming, either/or). */
export const BACKUP_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 500 },
    query: { type: 'string', maxLength: 4000 },
    items: { type: 'array', maxItems: 10000, items: { type: 'string', maxLength: 64 } },
    withDependencies: { type: 'boolean' },
    concurrency: { type: 'integer', minimum: 1, maximum: MAX_BACKUP_CONCURRENCY }
  }
} as const;

// A compile error here means the schema and BackupRequest no longer say the same thing.
const schemaAgrees: SameType<FromJsonSchema<typeof BACKUP_REQUEST_SCHEMA>, BackupRequest> = true;
void schemaAgrees;

/** The backup job's params: the request, and for scheduled backups the retention policy applied after the backup. */
export interface BackupJobParams extends BackupRequest {
  retention?: ForgetPolicy;
}
