/**
 * Item sizes from the owners' content listings (`content/users/<u>[/<folderId>]`), where search gives none.
 *
 * Search answers `size: -1` (Esri/arcgis-python-api#43: "a result of optimization in search logic"; the captured search
 * response in Esri/arcgis-rest-js's mocks has -1 too). The user content listing's `items` are, in Esri's words, "the
 * list of the user's items. See Item for response properties" (REST API, User Content), where `size` is the item's
 * size in bytes; rest-js types them `IItem` and its `getUserContent` test answers real sizes. A listing is allowed
 * only to the owner and the organization's administrators, pages at most 100 items (`num`), and lists one folder at a
 * time (the root page names the folders). An item a listing does not give (moved or added since, or a listing
 * refused) has no size here: the caller asks the item itself if the size matters (part-needs.ts has the sources).
 */
import type { ArcGISSession } from '../arcgis-session.js';
import { listAllUserContent, type PortalFolder } from './user-content.js';

export interface ListedSizes {
  /** Bytes by item id, for every listed item whose listing gave a size (a negative size is left out). */
  sizes: Map<string, number>;
  /** Every item id the listings gave, with a size or not. */
  listed: Set<string>;
  /** Every folder of the owners listed, by id. */
  folders: Map<string, PortalFolder & { owner: string }>;
  /** Owners whose listing failed or was refused, with the error. */
  refused: { owner: string; error: unknown }[];
}

/**
 * Lists each owner's content (root and folders) and keeps the sizes. One owner's failure leaves only its items without
 * sizes, unless `fatal` says the error ends the whole read (an expired sign-in, a cancelled run): it is thrown.
 */
export async function readListedSizes(session: ArcGISSession, owners: Iterable<string>, fatal: (error: unknown) => boolean): Promise<ListedSizes> {
  const result: ListedSizes = { sizes: new Map(), listed: new Set(), folders: new Map(), refused: [] };
  await Promise.all(
    [...new Set(owners)].map(async (owner) => {
      try {
        const { items, folders } = await listAllUserContent({ session, username: owner });
        for (const folder of folders) result.folders.set(folder.id, { ...folder, owner });
        for (const { item } of items) {
          if (typeof item.id !== 'string') continue;
          result.listed.add(item.id);
          const size = Number(item.size);
          if (Number.isFinite(size) && size >= 0) result.sizes.set(item.id, size);
        }
      } catch (error) {
        if (fatal(error)) throw error;
        result.refused.push({ owner, error });
      }
    })
  );
  return result;
}
