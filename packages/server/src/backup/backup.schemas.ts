/** JSON schemas of the backup browsing API's answers (backup.routes.ts), checked against backup-views.types.ts. */
import { anyObject, arrayOf, dateTime, described, integer, nullable, number, object, string, stringEnum, type SchemaAgrees } from '../http/schema-kit.js';
import type { ItemDetailView, SnapshotDetailView, SnapshotDiffView, SnapshotItemPage, SnapshotListView } from './backup-views.types.js';

const counts = object({ ok: integer, skipped: integer, failed: integer, groups: integer, users: integer, layers: integer, features: integer, attachments: integer });

const snapshotProperties = {
  id: string,
  name: string,
  startedAt: dateTime,
  finishedAt: dateTime,
  status: described('complete, partial, ... as the snapshot records it.', string),
  parent: nullable(string),
  tags: arrayOf(string),
  items: described('Items in the snapshot (ok + skipped + failed).', integer),
  counts,
  bytesRead: integer,
  newBytes: integer
} as const;

export const snapshotSchema = object(snapshotProperties);

export const snapshotListSchema = object({
  snapshots: described('Oldest first.', arrayOf(snapshotSchema)),
  unreadable: described(
    'Snapshot files that exist but cannot be read (damaged, or written by a newer OrgKeeper).',
    arrayOf(object({ id: string, file: string, code: string, error: string }, ['code']))
  )
});

const valueCount = object({ value: string, count: integer });

export const snapshotDetailSchema = object({
  snapshot: object({ ...snapshotProperties, org: object({ id: string, portalUrl: string }) }),
  types: arrayOf(valueCount),
  owners: arrayOf(valueCount)
});

const snapshotItemProperties = {
  id: string,
  title: described('From ArcGIS: untrusted text.', string),
  type: string,
  owner: string,
  folderId: nullable(string),
  modified: dateTime,
  status: string,
  layers: integer,
  features: integer,
  carriedFrom: described('The snapshot this unchanged item was carried over from, if any.', nullable(string)),
  takenAlong: described(
    'Set when a backup of chosen items took this item along because another needs it: the item that needs it (a chosen one if any, else the first; title untrusted), what this one is to it (e.g. "service of survey"), and how many items need it. Null for items chosen or backed up whole.',
    nullable(object({ itemId: string, title: string, need: string, neededBy: integer }))
  )
} as const;

export const snapshotItemPageSchema = object({
  total: integer,
  start: integer,
  num: integer,
  nextStart: described('-1 on the last page.', integer),
  items: arrayOf(object(snapshotItemProperties))
});

const partStatus = stringEnum(['ok', 'skipped', 'failed']);
const problem = object({ part: string, status: stringEnum(['skipped', 'failed']), reason: string, code: string }, ['code']);
const size = nullable(number);

const itemEntry = object({
  id: snapshotItemProperties.id,
  title: snapshotItemProperties.title,
  type: string,
  owner: string,
  folderId: nullable(string),
  modified: dateTime,
  carriedFrom: nullable(string),
  status: partStatus,
  problems: arrayOf(problem),
  stats: nullable(object({ bytesRead: integer, newBytesStored: integer, durationMs: number })),
  parts: object({
    item: nullable(object({ size })),
    data: nullable(object({ kind: stringEnum(['json', 'file']), filename: nullable(string), contentType: nullable(string), size })),
    thumbnail: nullable(object({ filename: string, contentType: nullable(string), size })),
    metadata: nullable(object({ size })),
    resources: arrayOf(object({ path: string, contentType: nullable(string), size })),
    sharing: nullable(object({ access: stringEnum(['private', 'shared', 'org', 'public']), groups: arrayOf(string) })),
    related: arrayOf(object({ relationshipType: string, direction: stringEnum(['forward', 'reverse']), itemId: string }))
  }),
  service: nullable(
    object({
      url: string,
      layers: arrayOf(
        object({
          id: integer,
          name: string,
          kind: stringEnum(['layer', 'table']),
          featureCount: integer,
          attachmentCount: integer,
          chunks: integer,
          status: partStatus,
          problems: arrayOf(problem)
        })
      )
    })
  ),
  external: described('An external reference whose URL (untrusted) was never requested.', nullable(object({ url: string, reason: string }))),
  neededBy: described(
    'Empty unless a backup of chosen items took this item along because others need it: each such item (title untrusted) and what this one is to it, e.g. "service of survey".',
    arrayOf(object({ itemId: string, title: string, need: string, relationshipType: string }))
  )
});

export const itemDetailSchema = object({
  item: itemEntry,
  itemJson: described('The stored item JSON from ArcGIS (untrusted), or null.', nullable(anyObject))
});

const itemSummary = { id: string, title: string, type: string, owner: string } as const;
function entryDiff<const S, const C>(added: S, changed: C) {
  return object({ added: arrayOf(added), removed: arrayOf(added), changed: arrayOf(changed), unchanged: integer });
}
const parts = described('What changed, e.g. data, sharing, layer 0 features.', arrayOf(string));

export const snapshotDiffSchema = object({
  from: string,
  to: string,
  items: entryDiff(object(itemSummary), object({ ...itemSummary, parts })),
  groups: entryDiff(object({ id: string, title: string }), object({ id: string, title: string, parts })),
  users: entryDiff(object({ username: string }), object({ username: string, parts }))
});

export const zipResponse = { description: 'The item as a ZIP file.', content: { 'application/zip': { schema: { type: 'string', contentMediaType: 'application/zip' } } } } as const;
export const geojsonResponse = { description: 'The layer\'s features as GeoJSON.', content: { 'application/geo+json': { schema: { type: 'string' } } } } as const;

const agrees: [
  SchemaAgrees<typeof snapshotListSchema, SnapshotListView>,
  SchemaAgrees<typeof snapshotDetailSchema, SnapshotDetailView>,
  SchemaAgrees<typeof snapshotItemPageSchema, SnapshotItemPage>,
  SchemaAgrees<typeof itemDetailSchema, ItemDetailView>,
  SchemaAgrees<typeof snapshotDiffSchema, SnapshotDiffView>
] = [true, true, true, true, true];
void agrees;
