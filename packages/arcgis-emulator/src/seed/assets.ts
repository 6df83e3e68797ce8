import { deflateSync } from 'node:zlib';

/**
 * Small but real files for the demo organization: every one opens in the program its type names (PNG, PDF, ZIP with a
 * shapefile inside, ISO 19139-style ArcGIS metadata). Kept byte-for-byte deterministic so backups deduplicate them.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/**
 * An RGB PNG with a diagonal gradient (so thumbnails differ visibly by colour). With `level` 0 the image data is
 * stored uncompressed, so the file size depends only on the dimensions (lazy images must know their size up front).
 */
export function png(width: number, height: number, rgb: [number, number, number], level = 6): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const shade = Math.floor(((x + y) / (width + height)) * 80);
      raw[row + 1 + x * 3] = Math.min(255, rgb[0] + shade);
      raw[row + 2 + x * 3] = Math.min(255, rgb[1] + shade);
      raw[row + 3 + x * 3] = Math.min(255, rgb[2] + shade);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw, { level })),
    pngChunk('IEND', Buffer.alloc(0))
  ]);
}

/**
 * A one-page PDF 1.4 with a title and some lines. With `padToBytes`, an unreferenced stream object pads the file to
 * exactly that size (the file stays valid); `pdfLayout` gives the size without building the bytes (lazy large items).
 */
export function pdf(title: string, lines: string[] = [], padToBytes = 0): Buffer {
  const { head, fill, tail } = pdfLayout(title, lines, padToBytes);
  return Buffer.concat([head, Buffer.alloc(fill, 0x30), tail]);
}

export function pdfLayout(title: string, lines: string[], padToBytes: number): { head: Buffer; fill: number; tail: Buffer; size: number } {
  const esc = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?');
  const text = [`BT /F1 18 Tf 72 720 Td (${esc(title)}) Tj ET`, ...lines.map((l, i) => `BT /F1 11 Tf 72 ${690 - i * 16} Td (${esc(l)}) Tj ET`)].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'
  ];
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  for (let i = 0; i < objects.length; i++) {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${objects[i]}\nendobj\n`;
  }
  const build = (fill: number | null) => {
    let head = body;
    const offs = [...offsets];
    let afterFill = '';
    if (fill !== null) {
      offs.push(Buffer.byteLength(head, 'latin1'));
      head += `6 0 obj\n<< /Length ${fill} >>\nstream\n`;
      afterFill = '\nendstream\nendobj\n';
    }
    const xrefAt = Buffer.byteLength(head, 'latin1') + (fill ?? 0) + afterFill.length;
    let tail = `${afterFill}xref\n0 ${offs.length + 1}\n0000000000 65535 f \n`;
    for (const o of offs) tail += `${String(o).padStart(10, '0')} 00000 n \n`;
    tail += `trailer\n<< /Size ${offs.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
    const h = Buffer.from(head, 'latin1');
    const t = Buffer.from(tail, 'latin1');
    return { head: h, fill: fill ?? 0, tail: t, size: h.length + (fill ?? 0) + t.length };
  };
  const plain = build(null);
  if (padToBytes <= plain.size) return plain;
  // The padding length is written in the file, so its digit count changes the size: converge in a few steps.
  let fill = padToBytes - plain.size;
  for (let i = 0; i < 5; i++) {
    const attempt = build(fill);
    if (attempt.size === padToBytes) return attempt;
    fill += padToBytes - attempt.size;
  }
  return build(fill);
}

/** A ZIP archive (stored, no compression) of the given files, with correct CRCs and central directory. */
export function zip(files: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  // A fixed DOS date (2024-03-01 12:00) keeps the bytes deterministic.
  const dosTime = (12 << 11) | (0 << 5);
  const dosDate = ((2024 - 1980) << 9) | (3 << 5) | 1;
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const crc = crc32(file.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(file.data.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, file.data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(file.data.length, 20);
    central.writeUInt32LE(file.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + file.data.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDir, end]);
}

/** A polygon shapefile set (.shp, .shx, .dbf, .prj) of axis-aligned rectangles in WGS 84, zipped. */
export function zippedShapefile(baseName: string, rects: { name: string; xmin: number; ymin: number; xmax: number; ymax: number }[]): Buffer {
  const recordContentLength = 4 + 32 + 4 + 4 + 4 + 5 * 16; // type, box, numParts, numPoints, parts[1], points[5]
  const fileHeader = (lengthBytes: number) => {
    const h = Buffer.alloc(100);
    h.writeInt32BE(9994, 0); // shapefile magic number
    h.writeInt32BE(lengthBytes / 2, 24);
    h.writeInt32LE(1000, 28);
    h.writeInt32LE(5, 32); // polygon
    const xmin = Math.min(...rects.map((r) => r.xmin));
    const ymin = Math.min(...rects.map((r) => r.ymin));
    const xmax = Math.max(...rects.map((r) => r.xmax));
    const ymax = Math.max(...rects.map((r) => r.ymax));
    h.writeDoubleLE(xmin, 36);
    h.writeDoubleLE(ymin, 44);
    h.writeDoubleLE(xmax, 52);
    h.writeDoubleLE(ymax, 60);
    return h;
  };
  const records: Buffer[] = [];
  const index: Buffer[] = [];
  let offset = 100;
  rects.forEach((r, i) => {
    const rec = Buffer.alloc(8 + recordContentLength);
    rec.writeInt32BE(i + 1, 0);
    rec.writeInt32BE(recordContentLength / 2, 4);
    let p = 8;
    rec.writeInt32LE(5, p);
    p += 4;
    for (const v of [r.xmin, r.ymin, r.xmax, r.ymax]) {
      rec.writeDoubleLE(v, p);
      p += 8;
    }
    rec.writeInt32LE(1, p);
    rec.writeInt32LE(5, p + 4);
    rec.writeInt32LE(0, p + 8);
    p += 12;
    // clockwise ring (outer ring in shapefile winding)
    for (const [x, y] of [
      [r.xmin, r.ymin],
      [r.xmin, r.ymax],
      [r.xmax, r.ymax],
      [r.xmax, r.ymin],
      [r.xmin, r.ymin]
    ] as const) {
      rec.writeDoubleLE(x, p);
      rec.writeDoubleLE(y, p + 8);
      p += 16;
    }
    records.push(rec);
    const idx = Buffer.alloc(8);
    idx.writeInt32BE(offset / 2, 0);
    idx.writeInt32BE(recordContentLength / 2, 4);
    index.push(idx);
    offset += rec.length;
  });
  const shp = Buffer.concat([fileHeader(offset), ...records]);
  const shx = Buffer.concat([fileHeader(100 + 8 * rects.length), ...index]);

  // dBASE III table with one character field NAME(40)
  const fieldLen = 40;
  const dbfHeader = Buffer.alloc(32 + 32 + 1);
  dbfHeader[0] = 0x03;
  dbfHeader[1] = 124;
  dbfHeader[2] = 3;
  dbfHeader[3] = 1;
  dbfHeader.writeUInt32LE(rects.length, 4);
  dbfHeader.writeUInt16LE(32 + 32 + 1, 8);
  dbfHeader.writeUInt16LE(1 + fieldLen, 10);
  dbfHeader.write('NAME', 32, 'latin1');
  dbfHeader[32 + 11] = 0x43; // 'C'
  dbfHeader[32 + 16] = fieldLen;
  dbfHeader[64] = 0x0d;
  const rows = rects.map((r) => Buffer.from(` ${r.name.slice(0, fieldLen).padEnd(fieldLen, ' ')}`, 'latin1'));
  const dbf = Buffer.concat([dbfHeader, ...rows, Buffer.from([0x1a])]);
  const prj = Buffer.from(
    'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
    'latin1'
  );
  return zip([
    { name: `${baseName}.shp`, data: shp },
    { name: `${baseName}.shx`, data: shx },
    { name: `${baseName}.dbf`, data: dbf },
    { name: `${baseName}.prj`, data: prj }
  ]);
}

const xmlEscape = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);

/** ArcGIS-format item metadata (`info/metadata/metadata.xml`), the format ArcGIS Pro and the Map Viewer write. */
export function metadataXml(input: { title: string; abstract: string; purpose?: string; tags: string[]; credits?: string; created: number }): Buffer {
  const date = new Date(input.created).toISOString();
  const ymd = date.slice(0, 10).replace(/-/g, '');
  const keywords = input.tags.map((t) => `<keyword>${xmlEscape(t)}</keyword>`).join('');
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>
<metadata xml:lang="en">
  <Esri>
    <CreaDate>${ymd}</CreaDate>
    <CreaTime>${date.slice(11, 19).replace(/:/g, '')}00</CreaTime>
    <ArcGISFormat>1.0</ArcGISFormat>
    <ArcGISstyle>ISO 19139 Metadata Implementation Specification</ArcGISstyle>
    <SyncOnce>TRUE</SyncOnce>
  </Esri>
  <dataIdInfo>
    <idCitation>
      <resTitle>${xmlEscape(input.title)}</resTitle>
      <date><createDate>${date}</createDate></date>
    </idCitation>
    <idAbs>${xmlEscape(input.abstract)}</idAbs>
    <idPurp>${xmlEscape(input.purpose ?? input.abstract)}</idPurp>
    <idCredit>${xmlEscape(input.credits ?? 'City of Demoville GIS Division')}</idCredit>
    <searchKeys>${keywords}</searchKeys>
    <dataLang><languageCode value="eng"/><countryCode value="USA"/></dataLang>
    <resConst><Consts><useLimit>Internal use only.</useLimit></Consts></resConst>
  </dataIdInfo>
  <mdLang><languageCode value="eng"/><countryCode value="USA"/></mdLang>
  <mdChar><CharSetCd value="004"/></mdChar>
  <mdDateSt Sync="TRUE">${ymd}</mdDateSt>
</metadata>
`,
    'utf8'
  );
}

/** The byte size `zip()` produces for files of these names and sizes (lazy items must report their size up front). */
export function zipSize(files: { name: string; size: number }[]): number {
  let total = 22;
  for (const f of files) total += 30 + 46 + 2 * Buffer.byteLength(f.name, 'utf8') + f.size;
  return total;
}

/** Deterministic filler bytes that do not compress to nothing (so a "large" file stays large in a backup store). */
export function fillerBytes(size: number, seed: number): Buffer {
  const buf = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf.writeUInt32LE(x >>> 0, i);
  }
  return buf;
}
