/** JSON schemas of the recycle bin API's answers (recycle-bin.routes.ts), checked against recycle-bin.types.ts. */
import { arrayOf, boolean, dateTime, described, integer, nullable, number, object, string, stringEnum, type SchemaAgrees } from '../http/schema-kit.js';
import type { RecycleBinRestoreResult, RecycleBinStatus, RecycleBinView } from './recycle-bin.types.js';

export const recycleBinStatusSchema = object({
  identityId: string,
  supported: described('ArcGIS Online with a recycle bin (never on Enterprise).', boolean),
  enabled: described('Deletes go to the bin.', boolean),
  isEnterprise: boolean
});

export const recycleBinSchema = object({
  identityId: string,
  supported: boolean,
  enabled: boolean,
  message: described('What to know when there is no bin, or it is off.', nullable(string)),
  retentionHours: described('How long ArcGIS keeps an item at least.', integer),
  items: arrayOf(
    object({
      id: string,
      title: described('From ArcGIS: untrusted text.', string),
      type: string,
      owner: string,
      folderId: described('The folder it was deleted from (null: the root folder).', nullable(string)),
      size: nullable(number),
      deletedBy: described('Known when OrgKeeper deleted it (a Clean fix); ArcGIS does not say.', nullable(object({ username: string, fixId: string }))),
      deletedAt: nullable(dateTime),
      purgeAfter: described('The earliest time ArcGIS may purge it (deletedAt + 14 days).', nullable(dateTime)),
      backupSnapshotId: described('The newest snapshot holding the item.', nullable(string))
    })
  ),
  problems: described('Members whose bin could not be read.', arrayOf(object({ owner: string, error: string }))),
  backupNote: nullable(string)
});

export const recycleBinRestoreSchema = object({
  results: arrayOf(
    object(
      {
        itemId: string,
        status: stringEnum(['ok', 'failed']),
        error: nullable(string),
        folderId: described('Where it was put back (null: the root folder).', nullable(string))
      },
      ['folderId']
    )
  ),
  note: described('What the restored items do not have back.', string)
});

const agrees: [
  SchemaAgrees<typeof recycleBinStatusSchema, RecycleBinStatus>,
  SchemaAgrees<typeof recycleBinSchema, RecycleBinView>,
  SchemaAgrees<typeof recycleBinRestoreSchema, RecycleBinRestoreResult>
] = [true, true, true];
void agrees;
