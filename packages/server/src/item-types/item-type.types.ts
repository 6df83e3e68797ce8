/**
 * What the catalogue says about one kind of item: the parts it consists of, where its references sit, where it goes
 * in the restore order and what ArcGIS cannot take back through REST. One `<type>.item-type.ts` file per entry.
 */

/** What a reference points at. */
export type ReferenceKind =
  /** An item id (32 hex characters). */
  | 'item'
  /** A group id (32 hex characters). */
  | 'group'
  /** A service, layer, portal or app URL (item ids inside it, `?appid=`, `/content/items/<id>`, are items too). */
  | 'url'
  /**
   * Code: an Arcade expression (`FeatureSetByPortalItem(Portal('<url>'), '<id>', 0)`) or a notebook cell. Its quoted
   * literals that are item ids or URLs, and the URLs in it.
   */
  | 'code'
  /** Free text or HTML: the URLs in it (and the item ids inside those URLs). */
  | 'text'
  /** An owner's folder id (Workforce keeps its project folder). */
  | 'folder'
  /** A type keyword `<name>|<id>` that names an item (a Hub page's `hubSite|<site id>`). */
  | 'keyword';

/** Which part of an item a reference site is in. */
export type PartKind = 'item' | 'data' | 'resource';

/** One place of an item type where references sit. */
export interface ReferenceSite {
  part: PartKind;
  /** For `resource`: the resource paths the site applies to. */
  resources?: RegExp;
  /**
   * Where in the part's JSON, as dot-separated keys: `*` is any one key or array index, `**` any number of them
   * (`operationalLayers.**.itemId`). For the `item` part the keys are the item JSON's (`url`, `properties.**`).
   */
  path: string;
  kind: ReferenceKind;
  /** What the site is, in the words of the app (shown in the catalogue's README and in plans). */
  label: string;
}

/** A part whose references are listed in the plan but never rewritten (a notebook's code). */
export interface ListOnlyPart {
  part: PartKind;
  resources?: RegExp;
  reason: string;
}

export interface ItemTypeSpec {
  /** Stable key, kebab-case (`web-map`): the file is `<key>.item-type.ts`. */
  key: string;
  /** Name in plans and docs. */
  label: string;
  /** ArcGIS item types (`type` of the item JSON) this entry covers. */
  types: readonly string[];
  /** Narrows the entry by type keywords when one ArcGIS type holds several apps (Instant Apps, Hub sites). */
  keywords?: (typeKeywords: readonly string[]) => boolean;
  /**
   * Place in the restore order: 0 services and layers, 1 data and files, 2 maps and scenes, 3 apps built on maps,
   * 4 what gathers apps (sites, solutions, projects naming apps). Items still wait for every item they reference.
   */
  rank: 0 | 1 | 2 | 3 | 4;
  /** The parts the item consists of, as Esri's apps write them. */
  parts: {
    data: 'json' | 'file' | 'none' | 'text';
    /** Resources whose text holds references and is rewritten (besides `*.json`, which always is). */
    textResources?: RegExp;
    /** What the parts hold, in a sentence each. */
    describe: string[];
  };
  references: ReferenceSite[];
  listOnly?: ListOnlyPart[];
  /** Relationship types (`relatedItems`) the item keeps with other items. */
  relationships?: readonly string[];
  /** What a restore through REST cannot bring back, and what to do instead; shown in the plan. */
  limitations: string[];
  /** What could not be confirmed from Esri's documentation or code (kept in the README). */
  unconfirmed?: string[];
}

/** A reference found in an item's parts. */
export interface FoundReference {
  part: PartKind;
  /** The resource path, for `resource`. */
  resource?: string;
  /** JSON path of the string it is in (`operationalLayers[0].url`). */
  path: string;
  kind: 'item' | 'group' | 'url' | 'folder';
  /** The id (lower case) or the URL as written. */
  value: string;
  /** The catalogue site's label, or `generic` when found by the generic walk only. */
  label: string;
  /** For an id read from a URL (`?appid=`, `/content/items/<id>`): the URL; such ids are items of that URL's portal. */
  inUrl?: string;
  /** In a list-only part: listed, never rewritten. */
  listOnly?: boolean;
}
