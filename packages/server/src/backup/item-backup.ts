/**
 * One item's backup: item JSON, `/data`, resources, thumbnail, metadata, sharing and related items, each stored as a
 * blob and referenced from the item's entry. A part that fails is recorded on the entry (`problems`), never silently
 * missing; a part the identity may not read is `skipped`, any other failure makes the item `failed`.
 */
import type { IItem, ItemRelationshipType } from '@esri/arcgis-rest-portal';
import { getItem, getItemGroupIds, getRelatedItems, itemDataUrl, itemInfoUrl, itemMetadataUrl, itemResourceUrl, listItemResources } from '../arcgis/portal/index.js';
import { type ItemEntry, type PartProblem, type RelatedItemEntry, type ResourceEntry, type SharingEntry, isSafeRelativePath } from '../store/index.js';
import type { BackupContext } from './backup.types.js';
import { fetchPartToStore, partProblem, putBytes, putJson } from './part-fetch.js';
import { type Direction, needsThumbnail, relationshipTypesFor, typesToAskEach } from './part-needs.js';

/** Related items kept per direction (a service used by thousands of maps must not grow one entry without bound). */
export const RELATED_LIMIT = 1000;

/** Fields of the entry that come from the item JSON. */
export function entryHeader(item: IItem): Pick<ItemEntry, 'id' | 'title' | 'type' | 'owner' | 'folderId' | 'modified'> {
  return {
    id: item.id,
    title: typeof item.title === 'string' ? item.title : '',
    type: typeof item.type === 'string' ? item.type : '',
    owner: typeof item.owner === 'string' ? item.owner : '',
    folderId: typeof item.ownerFolder === 'string' && item.ownerFolder !== '' ? item.ownerFolder : null,
    modified: Number(item.modified ?? 0)
  };
}

/**
 * Status of an entry from its problems: any failed part fails the item; otherwise a skipped part (one the identity
 * may not read) makes it `skipped`, so it is counted and re-read next time rather than carried over.
 */
export function statusOf(problems: readonly PartProblem[]): ItemEntry['status'] {
  if (problems.some((p) => p.status === 'failed')) return 'failed';
  return problems.length > 0 ? 'skipped' : 'ok';
}

/** The item's access level (search result or item JSON). */
export function accessOf(item: IItem): SharingEntry['access'] {
  return (['private', 'shared', 'org', 'public'] as const).find((a) => a === item.access) ?? 'private';
}

/**
 * One item's sharing with one request: the access level from the item, the groups from `/groups`. The engine uses
 * this only when the groups' content lists (which answer for every item at once) are not available.
 */
export async function readSharing(ctx: BackupContext, item: IItem): Promise<SharingEntry> {
  return { access: accessOf(item), groups: await getItemGroupIds({ session: ctx.session, id: item.id }) };
}

/**
 * Back up every part of one item (not its hosted service: the engine does that). Sharing comes from `sharingOf`
 * (sharing changes do not change `modified`, so it is taken afresh on every run, also for items carried over).
 */
export async function backupItemParts(ctx: BackupContext, listed: IItem, sharingOf: (item: IItem) => Promise<SharingEntry> = (item) => readSharing(ctx, item)): Promise<ItemEntry> {
  // The item JSON as getItem answers it: the search result comes from an index and differs (part-needs.ts says how).
  let item: IItem;
  try {
    item = await getItem({ session: ctx.session, id: listed.id });
  } catch (error) {
    const problem = partProblem('item', error, ctx.signal);
    // Deleted or unshared since it was listed: nothing to back up, and nothing wrong with the run.
    return { ...entryHeader(listed), status: problem.status === 'skipped' ? 'skipped' : 'failed', problems: [problem] };
  }
  const entry: ItemEntry = { ...entryHeader(item), status: 'ok', item: await putJson(ctx, item) };
  const ref = { session: ctx.session, id: item.id };

  // The parts are read at once: an item then takes about three round trips instead of eight, and the session's request slots stay busy while other items hash and store what they
  // read. Each part keeps its own problems and result, put into the entry in a fixed order afterwards, so an entry's
  // JSON does not depend on which answer came first (unchanged entries must serialize identically to deduplicate).
  const part = <T>(name: string, work: (problems: PartProblem[]) => Promise<T>) => {
    const problems: PartProblem[] = [];
    return work(problems).then(
      (value) => ({ value, problems }),
      (error: unknown) => ({ value: undefined, problems: [...problems, partProblem(name, error, ctx.signal)] })
    );
  };
  const thumbnailPath = needsThumbnail(item);
  const [data, resources, thumbnail, metadata, sharing, related] = await Promise.all([
    part('data', async (): Promise<ItemEntry['data']> => {
      const file = await fetchPartToStore(ctx, itemDataUrl(ref), 'item data');
      if (!file) return undefined;
      // An uploaded file comes with its name (Content-Disposition), also when it is JSON (GeoJSON, a .json file);
      // the JSON of web maps, apps and layers comes without one.
      if (file.filename === undefined && file.contentType.includes('json')) return { kind: 'json', hash: file.hash, size: file.size, contentType: file.contentType };
      const filename = safeName(file.filename) ?? safeName(typeof item.name === 'string' ? item.name : undefined) ?? 'data';
      return { kind: 'file', hash: file.hash, size: file.size, filename, contentType: file.contentType };
    }),
    part('resources', (problems) => readResources(ctx, item.id, problems)),
    part('thumbnail', async (): Promise<ItemEntry['thumbnail']> => {
      if (thumbnailPath === undefined) return undefined;
      const file = await fetchPartToStore(ctx, itemInfoUrl({ ...ref, path: thumbnailPath }), 'item thumbnail');
      if (!file) return undefined;
      return { hash: file.hash, size: file.size, filename: safeName(thumbnailPath.split('/').pop()) ?? 'thumbnail', contentType: file.contentType };
    }),
    // metadata.xml exists only when someone edited the item's metadata: its absence is normal, not a problem.
    part('metadata', async (): Promise<ItemEntry['metadata']> => {
      try {
        const file = await fetchPartToStore(ctx, itemMetadataUrl(ref), 'item metadata');
        return file ? { hash: file.hash, size: file.size } : undefined;
      } catch (error) {
        if (partProblem('metadata', error, ctx.signal).code === 'CONT_0036' || isNotFound(error)) return undefined;
        throw error;
      }
    }),
    part('sharing', () => sharingOf(item)),
    part('related', () => readRelated(ctx, item))
  ]);
  if (data.value) entry.data = data.value;
  if (resources.value) entry.resources = resources.value;
  if (thumbnail.value) entry.thumbnail = thumbnail.value;
  if (metadata.value) entry.metadata = metadata.value;
  if (sharing.value) entry.sharing = sharing.value;
  if (related.value) entry.related = related.value;
  const problems = [data, resources, thumbnail, metadata, sharing, related].flatMap((p) => p.problems);
  if (problems.length > 0) entry.problems = problems;
  entry.status = statusOf(problems);
  return entry;
}

/** Every resource of the item; a resource that fails is a problem, the others are kept. */
async function readResources(ctx: BackupContext, id: string, problems: PartProblem[]): Promise<ResourceEntry[]> {
  const resources: ResourceEntry[] = [];
  for (const listedResource of await listItemResources({ session: ctx.session, id })) {
    const path = listedResource.resource;
    if (typeof path !== 'string' || !isSafeRelativePath(path)) {
      problems.push({ part: `resource:${String(path)}`, status: 'skipped', reason: 'The resource path is not a safe relative path, so it could not be restored safely.', code: 'unsafe_path' });
      continue;
    }
    try {
      const file = await fetchPartToStore(ctx, itemResourceUrl({ session: ctx.session, id, path }), 'item resource');
      // An empty resource is a real (zero-byte) file: store it as the empty blob.
      const ref = file ?? { ...(await putBytes(ctx, Buffer.alloc(0))), contentType: 'application/octet-stream' };
      resources.push({ path, hash: ref.hash, size: ref.size, contentType: ref.contentType });
    } catch (error) {
      problems.push(partProblem(`resource:${path}`, error, ctx.signal));
    }
  }
  resources.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return resources;
}

async function readRelated(ctx: BackupContext, item: IItem): Promise<RelatedItemEntry[]> {
  const policy = ctx.partPolicy ?? 'floor';
  const ask = (direction: Direction, relationshipType: string | string[]) =>
    getRelatedItems({ session: ctx.session, id: item.id, direction, relationshipType: relationshipType as ItemRelationshipType | ItemRelationshipType[] });
  // Both directions at once; the result lists forward then reverse, whichever answered first.
  const byDirection = await Promise.all(
    (['forward', 'reverse'] as const).map(async (direction) => {
      const related: RelatedItemEntry[] = [];
      const types = relationshipTypesFor(item, direction, policy);
      if (types.length === 0) return related;
      // One request for every type at once; most items have no relationships, so that answer is usually all it takes.
      // ArcGIS does not say which type links each related item: a non-empty answer is asked again per type, for the
      // types that can link the item to what was found (their types are in the answer).
      const found = (await ask(direction, [...types])).relatedItems ?? [];
      if (found.length === 0) return related;
      const first = typesToAskEach(item, direction, types, found, policy);
      const perType = await Promise.all(first.map(async (type) => ({ type, answer: await ask(direction, type) })));
      // A found item no per-type answer gave back (the type table is out of date): ask the remaining types too.
      const given = new Set(perType.flatMap(({ answer }) => (answer.relatedItems ?? []).map((other) => other.id)));
      if (found.some((other) => !given.has(other.id))) {
        const rest = types.filter((type) => !first.includes(type));
        perType.push(...(await Promise.all(rest.map(async (type) => ({ type, answer: await ask(direction, type) })))));
      }
      // In the fixed order of the types, whatever order the answers came in.
      perType.sort((a, b) => types.indexOf(a.type) - types.indexOf(b.type));
      for (const { type, answer } of perType) {
        for (const other of (answer.relatedItems ?? []).slice(0, RELATED_LIMIT)) {
          if (typeof other.id === 'string') related.push({ relationshipType: type, direction, itemId: other.id });
        }
      }
      return related;
    })
  );
  return byDirection.flat();
}

function isNotFound(error: unknown): boolean {
  return (error as { kind?: unknown })?.kind === 'not_found';
}

/** A file name safe to restore under, or undefined. */
function safeName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const last = name.split(/[\\/]/).pop() ?? '';
  return isSafeRelativePath(last) ? last : undefined;
}
