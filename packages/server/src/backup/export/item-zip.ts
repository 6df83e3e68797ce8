/**
 * One item of a snapshot as a ZIP a GIS administrator can open anywhere: item JSON, data, resources, thumbnail,
 * metadata, sharing, related items and, for hosted feature services, the service and layer definitions, every layer and
 * table as GeoJSON and every attachment, with a README.txt saying what it is.
 *
 * The archive is streamed with yazl (small, maintained, no native code, ZIP64 when an entry or the archive passes 4 GB):
 * entries are added lazily, so only one blob or one feature chunk is read at a time and the archive is never held in
 * memory. Every path in the archive goes through safeRelativePath: titles and names from ArcGIS are untrusted.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { type BlobRef, type ItemEntry, type LayerEntry, type SnapshotManifest, type Store, pinSnapshots, readAttachmentList, safeRelativePath } from '../../store/index.js';
import { findItemEntry, plainLine, safeNamePart } from './export-support.js';
import { type GeoJSONExportResult, writeLayerGeoJSON } from './layer-geojson.js';

export interface ItemZipOptions {
  /** The export time written in README.txt (tests); default now. */
  now?: Date;
  /** Deflate level for entries (0-9, default 6). Already-compressed files (images, ZIPs, PDFs) are stored as they are. */
  compressionLevel?: number;
}

export interface ItemZipResult {
  snapshotId: string;
  itemId: string;
  /** Paths written in the archive, in order. */
  entries: string[];
  layers: GeoJSONExportResult[];
  attachments: number;
}

/** Content types and extensions that deflate cannot shrink: stored, to save CPU. */
const INCOMPRESSIBLE = /^(image\/(jpeg|png|gif|webp)|video\/|audio\/|application\/(zip|x-zip|gzip|x-7z|x-rar|pdf|vnd\.openxmlformats))|\.(zip|gz|tgz|7z|rar|jpe?g|png|gif|webp|pdf|docx|xlsx|pptx|mp4|mp3|sd|vtpk|tpk|tpkx|mmpk|mspk|slpk)$/i;

/**
 * Write the ZIP of one item of a snapshot to a stream (ended when the archive is complete, destroyed on failure) or to a file path (written to a temporary file
 * beside it and renamed when complete, so a failed export never leaves a truncated archive behind).
 * Errors: `not_found` (AppError) for an item not in the snapshot, StoreError `snapshot_not_found`, `blob_not_found`,
 * `blob_corrupt` (the archive is then abandoned, not completed with bad content), `unsafe_path`.
 */
export async function exportItemZip(store: Store, snapshotId: string, itemId: string, out: Writable | string, options: ItemZipOptions = {}): Promise<ItemZipResult> {
  // Pinned while the archive streams: forget keeps the snapshot and prune its blobs until the last byte is read.
  const pin = await pinSnapshots(store, [snapshotId], { operation: 'export' });
  try {
    return await exportPinned(store, snapshotId, itemId, out, options);
  } finally {
    await pin.release();
  }
}

async function exportPinned(store: Store, snapshotId: string, itemId: string, out: Writable | string, options: ItemZipOptions): Promise<ItemZipResult> {
  // Resolve the item first: a wrong id fails before any file is created.
  const { manifest, entry } = await findItemEntry(store, snapshotId, itemId);
  if (typeof out !== 'string') return writeZip(store, manifest, entry, out, options);

  const temporary = join(dirname(out), `.${basename(out)}.${randomBytes(4).toString('hex')}.partial`);
  try {
    const result = await writeZip(store, manifest, entry, createWriteStream(temporary, { flags: 'wx' }), options);
    await rename(temporary, out);
    return result;
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

type Planned =
  | { name: string; kind: 'blob'; ref: BlobRef; contentType?: string | undefined }
  | { name: string; kind: 'text'; text: string }
  | { name: string; kind: 'geojson'; layer: LayerEntry };

/** Every entry of the archive, paths checked, before anything is written (so README.txt can list them and come first). */
async function plan(store: Store, entry: ItemEntry): Promise<{ planned: Planned[]; layers: string[] }> {
  const planned: Planned[] = [];
  const seen = new Set<string>();
  const add = (item: Planned) => {
    let safe = safeRelativePath(item.name);
    // Case-insensitive file systems (Windows, macOS) would merge names that differ only in case (ArcGIS resource paths
    // and attachment names are case-sensitive): later ones get a " (2)" before the extension, as file managers do.
    for (let n = 2; seen.has(safe.toLowerCase()); n++) safe = safeRelativePath(item.name.replace(/(\.[^./]*)?$/, (ext) => ` (${n})${ext}`));
    seen.add(safe.toLowerCase());
    planned.push({ ...item, name: safe });
  };
  const blob = (name: string, ref: BlobRef, contentType?: string) => add({ name, kind: 'blob', ref, contentType });

  if (entry.item) blob('item.json', entry.item, 'application/json');
  if (entry.data) {
    if (entry.data.kind === 'json') blob('data.json', entry.data, 'application/json');
    else blob(`data/${safeRelativePath(entry.data.filename ?? 'data')}`, entry.data, entry.data.contentType);
  }
  for (const resource of entry.resources ?? []) blob(`resources/${safeRelativePath(resource.path)}`, resource, resource.contentType);
  if (entry.thumbnail) blob(`thumbnail/${safeRelativePath(entry.thumbnail.filename)}`, entry.thumbnail, entry.thumbnail.contentType);
  if (entry.metadata) blob('metadata/metadata.xml', entry.metadata, 'application/xml');
  if (entry.sharing) add({ name: 'sharing.json', kind: 'text', text: `${JSON.stringify(entry.sharing, null, 2)}\n` });
  if (entry.related) add({ name: 'related.json', kind: 'text', text: `${JSON.stringify(entry.related, null, 2)}\n` });

  const layers: string[] = [];
  if (entry.service) {
    blob('service.json', entry.service.definition, 'application/json');
    const view = entry.service.view;
    // A view's rows are its source's: they are exported with the source item, never through the view.
    if (view) add({ name: 'view.json', kind: 'text', text: `${JSON.stringify(view, null, 2)}\n` });
    for (const layer of entry.service.layers) {
      const base = `layers/${layer.id}-${safeNamePart(layer.name, layer.kind)}`;
      blob(`${base}.json`, layer.definition, 'application/json');
      if (view) {
        const link = view.layers.find((l) => l.id === layer.id);
        layers.push(`  ${base}.json: view ${layer.kind} ${layer.id} "${plainLine(layer.name)}" of ${link ? `layer ${link.sourceLayerId} of ${plainLine(link.sourceUrl)}` : 'a source that could not be read'}`);
        continue;
      }
      add({ name: `${base}.geojson`, kind: 'geojson', layer });
      const problems = (layer.problems ?? []).map((p) => plainLine(p.reason)).join('; ');
      layers.push(`  ${base}.geojson: ${layer.kind} ${layer.id} "${plainLine(layer.name)}", ${layer.featureCount} features${layer.attachmentCount ? `, ${layer.attachmentCount} attachments` : ''}${layer.status === 'ok' ? '' : ` (${layer.status}: ${problems})`}`);
    }
    for (const layer of entry.service.layers) {
      if (!layer.attachments) continue;
      // The attachment list of one layer is one blob (metadata only), read one layer at a time.
      for (const a of await readAttachmentList(store.blobs, layer.attachments)) {
        blob(`attachments/${layer.id}/${a.objectId}/${a.attachmentId}-${safeRelativePath(a.name)}`, a, a.contentType);
      }
    }
  }
  return { planned, layers };
}

async function writeZip(store: Store, manifest: SnapshotManifest, entry: ItemEntry, out: Writable, options: ItemZipOptions): Promise<ItemZipResult> {
  const { planned, layers } = await plan(store, entry);
  const zip = new ZipFile();
  const level = options.compressionLevel ?? 6;
  const mtime = new Date(manifest.startedAt);
  const result: ItemZipResult = { snapshotId: manifest.id, itemId: entry.id, entries: ['README.txt', ...planned.map((p) => p.name)], layers: [], attachments: 0 };
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
    (zip.outputStream as Readable).destroy(error instanceof Error ? error : new Error(String(error)));
  };
  zip.on('error', fail);
  const compressionFor = (name: string, contentType?: string) => (INCOMPRESSIBLE.test(contentType ?? '') || INCOMPRESSIBLE.test(name) ? 0 : level);

  const readme = readmeText(manifest, entry, result.entries, layers, options.now ?? new Date());
  zip.addBuffer(Buffer.from(readme, 'utf8'), 'README.txt', { mtime, compressionLevel: level });
  for (const item of planned) {
    if (item.kind === 'text') {
      zip.addBuffer(Buffer.from(item.text, 'utf8'), item.name, { mtime, compressionLevel: level });
    } else if (item.kind === 'blob') {
      if (item.name.startsWith('attachments/')) result.attachments += 1;
      // Lazy: the blob is opened only when yazl reaches the entry, so one blob is read at a time.
      zip.addReadStreamLazy(item.name, { mtime, size: item.ref.size, compressionLevel: compressionFor(item.name, item.contentType) }, (cb) => {
        store.blobs.getStream(item.ref.hash).then((stream) => {
          // yazl pipes the stream without listening for its errors (a corrupt blob fails at its end): fail the archive.
          stream.on('error', fail);
          cb(null, stream);
        }, (error: unknown) => {
          // yazl cannot abandon one entry: fail the whole archive rather than write it incomplete.
          fail(error);
          cb(error, new PassThrough());
        });
      });
    } else {
      const layer = item.layer;
      zip.addReadStreamLazy(item.name, { mtime, compressionLevel: level }, (cb) => {
        // Backpressure from the ZIP flows back into the writer: one feature chunk at a time in memory.
        const stream = new PassThrough();
        // yazl does not listen for errors on entry streams: without this, a failure would be an uncaught exception.
        stream.on('error', fail);
        cb(null, stream);
        writeLayerGeoJSON(store, layer, stream).then((written) => {
          result.layers.push(written);
          stream.end();
        }, (error: unknown) => {
          fail(error);
          stream.destroy(error instanceof Error ? error : new Error(String(error)));
        });
      });
    }
  }
  zip.end();
  try {
    await pipeline(zip.outputStream as Readable, out);
  } catch (error) {
    throw failure ?? error;
  }
  if (failure) throw failure;
  return result;
}

function readmeText(manifest: SnapshotManifest, entry: ItemEntry, entries: string[], layers: string[], now: Date): string {
  const lines = [
    'OrgKeeper export of one item from a backup snapshot',
    '',
    `Item:      ${entry.id}`,
    `Title:     ${plainLine(entry.title)}`,
    `Type:      ${plainLine(entry.type)}`,
    `Owner:     ${plainLine(entry.owner)}`,
    `Modified:  ${Number.isFinite(entry.modified) && entry.modified > 0 ? new Date(entry.modified).toISOString() : 'unknown'}`,
    `Status:    ${entry.status}`,
    '',
    `Snapshot:  ${manifest.id} "${plainLine(manifest.name)}"`,
    `Taken:     ${manifest.startedAt} to ${manifest.finishedAt} (${manifest.status})`,
    `Portal:    ${plainLine(manifest.org.portalUrl)} (organization ${plainLine(manifest.org.id)})`,
    `Exported:  ${now.toISOString()}`,
    ''
  ];
  if (entry.carriedFrom) lines.push(`This item was unchanged since snapshot ${entry.carriedFrom} and its parts were carried over from it.`, '');
  if (entry.problems?.length) {
    lines.push('Parts missing from this backup:');
    for (const p of entry.problems) lines.push(`  ${plainLine(p.part)}: ${p.status}, ${plainLine(p.reason)}`);
    lines.push('');
  }
  lines.push(
    'Contents:',
    '  item.json               the item as ArcGIS describes it (/content/items/<id>)',
    '  data.json or data/      the item data (/data): JSON, or the file under its original name',
    '  resources/              the item resources, under their paths',
    '  thumbnail/, metadata/   the thumbnail and metadata.xml',
    '  sharing.json            access level and the ids of the groups it is shared with',
    '  related.json            related items (relationship type, direction, item id)'
  );
  if (entry.service) {
    lines.push(
      '  service.json            the feature service definition',
      '  layers/<id>-<name>.json     each layer and table definition (fields, domains, drawing info, ...)',
      '  layers/<id>-<name>.geojson  each layer and table as GeoJSON (RFC 7946: WGS84 longitude/latitude; feature id is',
      '                              the object id; dates are epoch milliseconds as ArcGIS gives them; tables have null',
      '                              geometries). Layers in another coordinate system than Web Mercator or WGS84 keep',
      '                              their coordinates and name the system in a "crs" member.',
      '  attachments/<layer id>/<object id>/<attachment id>-<name>  the attachments',
      '  view.json               (hosted feature layer views) the source service and layer of each view layer; a view',
      '                          has no GeoJSON or attachments of its own: export its source for the rows',
      '',
      'Layers and tables:',
      ...layers
    );
  }
  lines.push('', `Files (${entries.length - 1} besides this one):`, ...entries.filter((e) => e !== 'README.txt').map((e) => `  ${e}`), '');
  return lines.join('\n');
}
