/**
 * ArcGIS Survey123 forms hold their references inside files: the Form item's data is the survey package, a ZIP whose
 * `esriinfo/` files name the survey's service and views (the XForm's `<submission action>`, the `.webform` and `.info`
 * JSON, the `.itemInfo`'s own id, the Connect XLSForm's `submission_url` inside the `.xlsx`, itself a ZIP), and the
 * web designer names the package and its files after the form's item id (`<id>.zip`, `esriinfo/<id>.xml`). A restore
 * or clone that gives the form, its service or its views new ids or URLs rewrites them all, so the form submits to the
 * restored view and nothing points at the source organization.
 *
 * The package is ArcGIS content, so hostile: at most MAX_ENTRIES entries and MAX_BYTES uncompressed, ZIPs nested one
 * level (the XLSForm); anything else, or a package that cannot be read, is left as it is (`changed: false`).
 */
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { ZipFile } from 'yazl';
import { type RewriteMaps, rewriteJsonText, stringRewriter } from './references.js';

const MAX_ENTRIES = 10_000;
const MAX_BYTES = 512 * 1024 * 1024;
/** Files of a survey package (and an XLSForm) whose text may hold ids and URLs. */
const TEXT_FILE = /\.(xml|webform|info|iteminfo|json|csv|txt|html?|js|css|rels|svg)$/i;
const ZIP_FILE = /\.(zip|xlsx)$/i;

/** Whether an item is a Survey123 form, whose data and resources carry references inside files. */
export function isSurveyForm(type: string): boolean {
  return type === 'Form';
}

/** A ZIP's bytes with every entry name and text entry rewritten (nested ZIPs one level down). */
export async function rewriteZip(bytes: Buffer, maps: RewriteMaps, depth = 0): Promise<{ bytes: Buffer; changed: boolean }> {
  if (maps.ids.size === 0 && maps.urls.size === 0) return { bytes, changed: false };
  let entries: { name: string; data: Buffer; directory: boolean }[];
  try {
    entries = await readZip(bytes);
  } catch {
    return { bytes, changed: false };
  }
  const rewrite = stringRewriter(maps);
  let changed = false;
  const out = new ZipFile();
  for (const entry of entries) {
    const name = rewrite(entry.name);
    if (name !== entry.name) changed = true;
    if (entry.directory) {
      out.addEmptyDirectory(name);
      continue;
    }
    const next = await rewriteFile(entry.name, entry.data, maps, depth + 1);
    if (next.changed) changed = true;
    out.addBuffer(next.bytes, name);
  }
  if (!changed) return { bytes, changed: false };
  out.end();
  const parts: Buffer[] = [];
  for await (const chunk of out.outputStream as unknown as AsyncIterable<Buffer>) parts.push(chunk);
  return { bytes: Buffer.concat(parts), changed: true };
}

/** One file of a form (its data, a resource, an entry of its package) with its references rewritten. */
export async function rewriteFile(path: string, bytes: Buffer, maps: RewriteMaps, depth = 0): Promise<{ bytes: Buffer; changed: boolean }> {
  if (maps.ids.size === 0 && maps.urls.size === 0) return { bytes, changed: false };
  if (ZIP_FILE.test(path)) return depth <= 1 ? rewriteZip(bytes, maps, depth) : { bytes, changed: false };
  if (!TEXT_FILE.test(path)) return { bytes, changed: false };
  // JSON files (.json, .webform, .info, .itemInfo) are rewritten string by string, so a URL inside an escaped string
  // (the XForm model inside a .webform) is found too; other text as it is.
  const out = rewriteJsonText(bytes.toString('utf8'), maps);
  return out.changed ? { bytes: Buffer.from(out.text, 'utf8'), changed: true } : { bytes, changed: false };
}

/**
 * The text files of a package (and of the ZIPs in it, named `outer!inner`), to find what it references; empty when it
 * cannot be read.
 */
export async function packageTexts(bytes: Buffer, depth = 0): Promise<{ name: string; text: string }[]> {
  let entries: { name: string; data: Buffer; directory: boolean }[];
  try {
    entries = await readZip(bytes);
  } catch {
    return [];
  }
  const texts: { name: string; text: string }[] = [];
  for (const entry of entries) {
    if (entry.directory) continue;
    if (ZIP_FILE.test(entry.name) && depth < 1) texts.push(...(await packageTexts(entry.data, depth + 1)).map((t) => ({ ...t, name: `${entry.name}!${t.name}` })));
    else if (TEXT_FILE.test(entry.name)) texts.push({ name: entry.name, text: entry.data.toString('utf8') });
  }
  return texts;
}

function readZip(bytes: Buffer): Promise<{ name: string; data: Buffer; directory: boolean }[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error('not a ZIP'));
      const files: { name: string; data: Buffer; directory: boolean }[] = [];
      let total = 0;
      zip.on('error', reject);
      zip.on('end', () => resolve(files));
      zip.on('entry', (entry: yauzl.Entry) => {
        total += entry.uncompressedSize;
        if (files.length >= MAX_ENTRIES || total > MAX_BYTES) {
          zip.close();
          return reject(new Error('The package is larger than a survey package can be.'));
        }
        if (entry.fileName.endsWith('/')) {
          files.push({ name: entry.fileName, data: Buffer.alloc(0), directory: true });
          return zip.readEntry();
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error('unreadable entry'));
          const parts: Buffer[] = [];
          (stream as Readable).on('data', (c: Buffer) => parts.push(c));
          (stream as Readable).on('error', reject);
          (stream as Readable).on('end', () => {
            files.push({ name: entry.fileName, data: Buffer.concat(parts), directory: false });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
