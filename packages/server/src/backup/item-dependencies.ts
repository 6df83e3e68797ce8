/**
 * What a backup of chosen items (`items`, `query`) takes along so the snapshot can restore them: the one table of
 * which items an item needs, keyed by its item-type catalogue entry and the relationship type that links them
 * (arcgis/portal/relationship-types.ts). A full backup holds everything and never asks this.
 *
 * | item (catalogue entry)       | relationship (direction)         | takes along                      | then follows it |
 * | ---------------------------- | -------------------------------- | -------------------------------- | --------------- |
 * | Survey123 form (`form`)      | Survey2Service (forward)         | its service (a service or view)  | yes             |
 * | Survey123 form (`form`)      | Survey2Data (forward)            | its data (results views, ...)    | yes             |
 * | view (`hosted-feature-layer`)| Service2Data (forward), /sources | its source service(s)            | no              |
 * | hosted feature layer         | Service2Data (reverse), views    | its views                        | no              |
 *
 * Why: a form without its service cannot take a submission; a view's rows live under its source, so a snapshot
 * without the source cannot make the view again; and a layer and its views go together: ArcGIS refuses to delete a
 * hosted feature layer while dependent layers exist (Enterprise's "Manage hosted layers": they are deleted first) or
 * deletes its views with it (ArcGIS Velocity's "Create hosted feature layer views"), so a snapshot of a service an
 * administrator protects must hold the views that go with it. A "then follows it" row
 * also applies the table to what it took (a form's service brings that service's views, a form's view its source);
 * the others stop there (a chosen view brings its source, not the source's other views). Nothing goes deeper than
 * MAX_DEPENDENCY_DEPTH levels from a chosen item, nor adds more than MAX_DEPENDENCIES items.
 *
 * The needs are read from what the item's backup already stored (its `related` entries and, for a view, the sources
 * its service answered): taking items along costs no request beyond reading the items taken.
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import { canRelate, type RELATIONSHIP_ENDS } from '../arcgis/portal/relationship-types.js';
import { type ItemTypeSpec, itemTypeOf } from '../item-types/index.js';
import type { ItemEntry, NeededBy } from '../store/index.js';

/** Levels below a chosen item (a form's service is 1, that service's views 2). */
export const MAX_DEPENDENCY_DEPTH = 2;
/** Items one backup takes along at most; more are reported, not backed up (a selection must not become the org). */
export const MAX_DEPENDENCIES = 2000;

export interface DependencyRule {
  /** The item-type catalogue entry (item-types/) of the item that needs. */
  itemType: ItemTypeSpec['key'];
  /** Only when the needing item is a hosted feature layer view (`View Service` keyword). */
  needingIsView?: boolean;
  relationshipType: keyof typeof RELATIONSHIP_ENDS;
  /** `forward`: the items this one is the origin of; `reverse`: those it is the destination of. */
  direction: 'forward' | 'reverse';
  /** Only items that are views (for a service's views: a Map Service made from it is not one). */
  neededIsView?: boolean;
  /** Also takes a view's sources as its service's `/sources` named them (when the relationship is missing). */
  viewSources?: boolean;
  /** What the taken item is to the needing one, in words: "<need> <title>" ("service of survey Storm damage"). */
  need: string;
  /** The table applies again to the taken item. */
  follow: boolean;
}

export const DEPENDENCY_RULES: readonly DependencyRule[] = [
  { itemType: 'form', relationshipType: 'Survey2Service', direction: 'forward', need: 'service of survey', follow: true },
  { itemType: 'form', relationshipType: 'Survey2Data', direction: 'forward', need: 'data of survey', follow: true },
  { itemType: 'hosted-feature-layer', needingIsView: true, relationshipType: 'Service2Data', direction: 'forward', viewSources: true, need: 'source of view', follow: false },
  { itemType: 'hosted-feature-layer', needingIsView: false, relationshipType: 'Service2Data', direction: 'reverse', neededIsView: true, need: 'view of service', follow: false }
];

/** The item JSON fields the table reads. */
export type DependencyItem = Pick<IItem, 'id' | 'type' | 'typeKeywords' | 'title'>;

export function isViewItem(item: Pick<IItem, 'type' | 'typeKeywords'>): boolean {
  return item.type === 'Feature Service' && Array.isArray(item.typeKeywords) && item.typeKeywords.includes('View Service');
}

/** One item another needs, and which rule says so. */
export interface Need {
  itemId: string;
  rule: DependencyRule;
  neededBy: NeededBy;
}

/** The items `item` needs by the table, from its backed-up entry (its own id and ids already taken are the caller's to drop). */
export function needsOf(item: DependencyItem, entry: ItemEntry): Need[] {
  const spec = itemTypeOf({ type: item.type, typeKeywords: item.typeKeywords ?? [] });
  if (!spec) return [];
  const view = isViewItem(item);
  const needs: Need[] = [];
  for (const rule of DEPENDENCY_RULES) {
    if (rule.itemType !== spec.key || (rule.needingIsView !== undefined && rule.needingIsView !== view)) continue;
    const ids = new Set<string>();
    for (const related of entry.related ?? []) if (related.relationshipType === rule.relationshipType && related.direction === rule.direction) ids.add(related.itemId);
    if (rule.viewSources) for (const source of entry.service?.view?.sources ?? []) if (source.itemId) ids.add(source.itemId);
    const neededBy: NeededBy = { itemId: item.id, title: typeof item.title === 'string' ? item.title : '', need: rule.need, relationshipType: rule.relationshipType };
    for (const itemId of ids) if (itemId !== item.id) needs.push({ itemId, rule, neededBy });
  }
  return needs;
}

/**
 * Whether the item read for a need is what the rule takes: the relationship can link the two types (Esri's table)
 * and, where the rule says so, it is a view. Anything else a relationship links is not needed and is left out.
 */
export function fitsNeed(need: Need, needing: DependencyItem, found: DependencyItem): boolean {
  if (need.rule.neededIsView && !isViewItem(found)) return false;
  // A view's source named by its service's /sources is a source whatever the relationships say.
  if (need.rule.viewSources) return found.type === 'Feature Service';
  return canRelate(need.rule.relationshipType, need.rule.direction, needing.type, found.type);
}

/** "service of survey Storm damage" (the title is ArcGIS's, untrusted text: shown as text only). */
export function describeNeed(neededBy: Pick<NeededBy, 'itemId' | 'title' | 'need'>): string {
  return `${neededBy.need} ${neededBy.title || neededBy.itemId}`;
}

/** What the snapshot browser and `orgkeeper snapshot show` say of an item taken along (null: chosen, or a full backup). */
export interface TakenAlongSummary {
  itemId: string;
  title: string;
  need: string;
  /** How many items need it. */
  neededBy: number;
}

/**
 * Why an item was taken along, in one line: the first item that needs it that the user chose (an entry of the snapshot
 * not itself taken along), else the first that needs it. A service needed by a chosen survey form and by the form's
 * views then reads "service of survey <form>" rather than "source of view <view>". `chosen` says whether an item id is
 * an entry of the snapshot without neededBy.
 */
export function takenAlongSummary(entry: Pick<ItemEntry, 'neededBy'>, chosen: (itemId: string) => boolean): TakenAlongSummary | null {
  const needers = entry.neededBy ?? [];
  const shown = needers.find((n) => chosen(n.itemId)) ?? needers[0];
  return shown ? { itemId: shown.itemId, title: shown.title, need: shown.need, neededBy: needers.length } : null;
}

/** Says whether an item id is an entry of the snapshot that was not taken along (chosen, or in a full backup). */
export function chosenItems(entries: readonly Pick<ItemEntry, 'id' | 'neededBy'>[]): (itemId: string) => boolean {
  const ids = new Set(entries.filter((e) => !e.neededBy).map((e) => e.id));
  return (itemId) => ids.has(itemId);
}
