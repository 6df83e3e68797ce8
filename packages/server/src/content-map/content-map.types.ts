/**
 * The organization's content as the Backup page draws it: owners, their folders and items with their storage size,
 * read live from ArcGIS. Titles come from ArcGIS and are untrusted text.
 */

export interface ContentMapItem {
  id: string;
  title: string;
  type: string;
  /** Storage the item uses in ArcGIS, in bytes (ArcGIS's `size`; 0 when it reports none). */
  size: number;
  owner: string;
  /** The owner's folder holding the item; null at the owner's root. */
  folderId: string | null;
  /** ISO 8601 UTC, or null when ArcGIS gives none. */
  modified: string | null;
  access: string | null;
}

export interface ContentMapFolder {
  id: string;
  title: string;
  owner: string;
  items: number;
  size: number;
}

export interface ContentMapOwner {
  username: string;
  items: number;
  size: number;
  /** Folder ids of this owner, in title order. */
  folders: string[];
}

export interface ContentMap {
  identityId: string;
  orgId: string;
  /** When the map was read from ArcGIS (it is cached briefly; `?refresh=true` reads it again). */
  generatedAt: string;
  owners: ContentMapOwner[];
  folders: ContentMapFolder[];
  items: ContentMapItem[];
  totals: { items: number; size: number; owners: number; folders: number };
  /** Things that could not be read: listed so the page can say the map is incomplete and why. */
  problems: ContentMapProblem[];
}

export interface ContentMapProblem {
  kind: 'folders' | 'enumeration';
  /** The owner whose folders could not be listed, or a description of the search range. */
  target: string;
  message: string;
}
