/**
 * The item-type catalogue: per kind of item, its parts, where its references sit, its place in the restore order and
 * what ArcGIS cannot take back through REST. Restore (plan, rewriting), clone and Clean's broken-links scan read it;
 * a new type is one `<key>.item-type.ts` entry added to ITEM_TYPES, with its tests (README.md says how).
 */
import { codeAttachment } from './code-attachment.item-type.js';
import { dashboard } from './dashboard.item-type.js';
import { experienceBuilder } from './experience-builder.item-type.js';
import { featureCollection } from './feature-collection.item-type.js';
import { form } from './form.item-type.js';
import { hostedFeatureLayer } from './hosted-feature-layer.item-type.js';
import { hostedTileLayer } from './hosted-tile-layer.item-type.js';
import { hubPage } from './hub-page.item-type.js';
import { hubSite } from './hub-site.item-type.js';
import type { ItemTypeSpec } from './item-type.types.js';
import { mapArea } from './map-area.item-type.js';
import { notebook } from './notebook.item-type.js';
import { offlinePackage } from './offline-package.item-type.js';
import { quickCapture } from './quickcapture.item-type.js';
import { solution } from './solution.item-type.js';
import { storyMap } from './storymap.item-type.js';
import { vectorTileService } from './vector-tile-service.item-type.js';
import { webMap } from './web-map.item-type.js';
import { webMappingApplication } from './web-mapping-application.item-type.js';
import { webScene } from './web-scene.item-type.js';
import { workforce } from './workforce.item-type.js';

export type { FoundReference, ItemTypeSpec, ListOnlyPart, PartKind, ReferenceKind, ReferenceSite } from './item-type.types.js';
export { findReferences, formatPath, idsInUrl, parsedPart, pathMatches, walkStrings, type ItemPart, type JsonPath } from './item-references.js';

/** Every entry; the first whose types (and keywords) match an item describes it. */
export const ITEM_TYPES: readonly ItemTypeSpec[] = [
  hostedFeatureLayer,
  hostedTileLayer,
  vectorTileService,
  featureCollection,
  offlinePackage,
  webMap,
  webScene,
  dashboard,
  experienceBuilder,
  webMappingApplication,
  storyMap,
  form,
  quickCapture,
  notebook,
  mapArea,
  hubSite,
  hubPage,
  workforce,
  solution,
  codeAttachment
];

/** The catalogue entry for an item, or undefined for kinds it does not know (restored as plain items). */
export function itemTypeOf(item: { type: string; typeKeywords?: readonly string[] | undefined }): ItemTypeSpec | undefined {
  const keywords = item.typeKeywords ?? [];
  return ITEM_TYPES.find((t) => t.types.includes(item.type) && (!t.keywords || t.keywords(keywords)));
}

/** Whether a resource's text is rewritten on restore: JSON always, other text when the entry says so; never list-only. */
export function rewritesResource(spec: ItemTypeSpec | undefined, path: string): boolean {
  if (spec?.listOnly?.some((l) => l.part === 'resource' && (!l.resources || l.resources.test(path)))) return false;
  return /\.json$/i.test(path) || (spec?.parts.textResources?.test(path) ?? false);
}

/** Whether the item's `/data` is rewritten on restore (a notebook's is listed, not rewritten). */
export function rewritesData(spec: ItemTypeSpec | undefined): boolean {
  return !spec?.listOnly?.some((l) => l.part === 'data');
}

/** Place of an item type in the restore order (0 services ... 4 sites and solutions); unknown types with the files. */
export function restoreRank(item: { type: string; typeKeywords?: readonly string[] | undefined }): number {
  const spec = itemTypeOf(item);
  if (spec) return spec.rank;
  if (/Service$/.test(item.type)) return 0;
  if (/Application|App$|Site/.test(item.type)) return 3;
  return 1;
}
