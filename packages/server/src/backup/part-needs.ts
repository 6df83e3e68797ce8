/**
 * Which parts of an item a backup asks ArcGIS for: only those whose answer can be non-empty, judged from what ArcGIS
 * already said (the item JSON, Esri's relationship-type table). Where ArcGIS gives no sign, the part is asked.
 *
 * - Item JSON (`content/items/<id>`): asked, although the search result holds an item. Esri: search runs on "a
 *   high-performance index that indexes the most popular fields of an item" and "there may be a lag between the time
 *   that the content is updated and the time it's reflected in the search results" (Sharing API, Search); its
 *   `size` is -1 where the item GET gives the bytes (Esri/arcgis-python-api#43, confirmed by Esri as a search
 *   optimization; the search mock of Esri/arcgis-rest-js, a captured Survey123 service, has `size: -1` too). The
 *   stored item JSON stays the item's.
 *
 *   Nor is it taken from the owner's content listing (`content/users/<u>[/<folderId>]`, rest-js `getUserContent`,
 *   Python `User.items()`), which the backup does not read page by page anyway (it reads one item of the root for the
 *   folders). What Esri says of that listing (looked up 2026-12-05):
 *   - Fields: the REST page (User Content) says `items` is "the list of the user's items. See Item for response
 *     properties" and documents no field of its own; rest-js types them `IItem`. No captured listing exists in Esri's
 *     sources: rest-js's `getUserContent` test answers a hand-written one (ids "1qwe"/"2asd", `created: 0`,
 *     `size: 10`), unlike its captured search answer. So nothing shows, field by field, that a listed item is the
 *     item GET's JSON (`ownerFolder`, `itemControl`, `isOrgItem`, the fields Esri adds over time).
 *   - Freshness: nothing says whether the listing is read from the item store or from the search index, nor whether
 *     its `modified` lags. "Items in a folder are stored by reference ... as links to the original item" is about
 *     where items live, not how the listing is served.
 *   - Completeness: Esri's tracker has listings missing items that search and the web UI show
 *     (Esri/arcgis-python-api#2224, closed: "user.items() does not return all items", 43 of 99 users, root folder;
 *     #2176, open: 100 of 654; #2322, open: "not all items are fetched ... in folder" since July 2025). Whether the
 *     client or the service drops them, nobody at Esri has said in those threads.
 *   - Esri's own client does not trust it: ArcGIS API for Python 2.4.2 builds each listed item from its id alone and
 *     reads the item again on first use (Esri/arcgis-python-api#2438, open).
 *   - Paging and access: `num` at most 100 (default 10; Enterprise docs: 1,000 a page without `start`/`num`); one folder
 *     per request, the root naming the folders (newer Online docs add `foldersContent=true` for all folders at once);
 *     only the owner or an administrator of the owner's organization may list it.
 *   So Esri does not confirm that a listed item is what `content/items/<id>` answers, and a backup must store that
 *   byte for byte: the GET per item stays. Sizes, which only estimate storage, are taken from the listings
 *   (arcgis/portal/listed-sizes.ts: Clean's storage and duplicates scans, the content map), the item asked where no
 *   listing gives one.
 * - Data (`/data`): asked. Nothing in the item JSON says whether an item has data (web maps and apps keep it as JSON,
 *   files as the upload, services optionally as layer overrides); an empty answer means none.
 * - Resources (`/resources`): asked. The item JSON has no resource count or flag.
 * - Thumbnail (`/info/<thumbnail>`): asked only when the item's `thumbnail` names one (Esri: "the URL to the
 *   thumbnail used for the item"; null when there is none).
 * - Metadata (`/info/metadata/metadata.xml`): asked. Neither the item JSON nor its type keywords say whether
 *   metadata was saved ("Metadata" in a hosted service's keywords is a capability, not a file).
 * - Sharing: from the groups' content lists (backup.engine.ts), not asked per item.
 * - Related items (`/relatedItems`): one request per direction for the relationship types the item's type can take
 *   part in that way (Esri's table, arcgis/portal/relationship-types.ts), then per type only for the types that can
 *   link the item to each related item found (their types are in that answer). Both directions stay asked for every
 *   item: Item2Attachment and Item2Report take any item as origin, and Survey2Data, Solution2Item and APIKey2Item any
 *   item as destination. (Images and PDFs can be the destination of Item2Attachment and Item2Report.)
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import { canRelate } from '../arcgis/portal/relationship-types.js';

/**
 * Relationship types that tie items together in ways a restore must recreate (maps to services and apps, services to
 * their data and layers, surveys, areas, solutions).
 */
export const RELATIONSHIP_TYPES = [
  'Map2Service',
  'Map2FeatureCollection',
  'Map2AppConfig',
  'Map2Area',
  'Service2Data',
  'Service2Layer',
  'Service2Service',
  'Service2Style',
  'Survey2Service',
  'Survey2Data',
  'Area2Package',
  'Area2CustomPackage',
  'Item2Attachment',
  'Item2Report',
  'Solution2Item',
  'Theme2Story',
  'TrackView2Map',
  'WorkforceMap2FeatureService',
  'MobileApp2Code',
  'WMA2Code',
  'APIKey2Item',
  // Named by Esri's relationship types page or its clients but not by rest-js's ItemRelationshipType.
  'Listed2Provisioned',
  'Style2Style',
  'WebStyle2DesktopStyle',
  'Service2Route',
  'SurveyAddIn2Data',
  'Map2App',
  'App2DependentApp',
  'Map2IndoorsConfig'
] as const satisfies readonly string[];
export type BackupRelationshipType = (typeof RELATIONSHIP_TYPES)[number];

/**
 * `floor`: ask only what can be non-empty (the default). `every`: ask every part and, for a non-empty relationship
 * answer, every relationship type, as backups did before (kept for the benchmark's side-by-side figures).
 */
export type PartPolicy = 'floor' | 'every';

export type Direction = 'forward' | 'reverse';

function itemTypeOf(item: IItem): string {
  return typeof item.type === 'string' ? item.type : '';
}

/** Whether the item's thumbnail is asked for: only when the item names one. */
export function needsThumbnail(item: IItem): string | undefined {
  return typeof item.thumbnail === 'string' && item.thumbnail !== '' ? item.thumbnail : undefined;
}

/** The relationship types to ask about in one direction: those the item's type can take part in that way. */
export function relationshipTypesFor(item: IItem, direction: Direction, policy: PartPolicy): BackupRelationshipType[] {
  if (policy === 'every') return [...RELATIONSHIP_TYPES];
  return RELATIONSHIP_TYPES.filter((type) => canRelate(type, direction, itemTypeOf(item)));
}

/**
 * The types to ask one by one after the combined answer `found` (ArcGIS does not say which type links each related
 * item): the types that can link the item to a found item of its type. A found item no type of the table can link
 * (a table that is out of date) makes every type of the direction asked, so nothing is lost to the table.
 */
export function typesToAskEach(item: IItem, direction: Direction, asked: readonly BackupRelationshipType[], found: readonly IItem[], policy: PartPolicy): BackupRelationshipType[] {
  if (policy === 'every') return [...asked];
  const wanted = new Set<BackupRelationshipType>();
  for (const other of found) {
    const fitting = asked.filter((type) => canRelate(type, direction, itemTypeOf(item), itemTypeOf(other)));
    if (fitting.length === 0) return [...asked];
    for (const type of fitting) wanted.add(type);
  }
  return asked.filter((type) => wanted.has(type));
}
