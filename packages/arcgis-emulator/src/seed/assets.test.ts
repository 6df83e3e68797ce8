import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, fillerBytes, pdf, pdfLayout, png, zip, zippedShapefile, zipSize } from './assets.js';

describe('seed assets', () => {
  it('writes valid PNGs (signature, chunk CRCs, decodable image data); stored ones have a size fixed by the dimensions', () => {
    const bytes = png(20, 10, [10, 20, 30]);
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    let off = 8;
    const chunks: string[] = [];
    while (off < bytes.length) {
      const len = bytes.readUInt32BE(off);
      const type = bytes.subarray(off + 4, off + 8).toString('latin1');
      expect(bytes.readUInt32BE(off + 8 + len)).toBe(crc32(bytes.subarray(off + 4, off + 8 + len)));
      if (type === 'IDAT') expect(inflateSync(bytes.subarray(off + 8, off + 8 + len)).length).toBe((20 * 3 + 1) * 10);
      chunks.push(type);
      off += 12 + len;
    }
    expect(chunks).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(png(64, 64, [1, 2, 3], 0).length).toBe(png(64, 64, [200, 100, 0], 0).length);
  });

  it('pads PDFs to exactly the asked size and reports that size without building the bytes', () => {
    for (const size of [5000, 65_536, 1_000_001]) {
      const layout = pdfLayout('T', ['a'], size);
      expect(layout.size).toBe(size);
      const bytes = pdf('T', ['a'], size);
      expect(bytes.length).toBe(size);
      const text = bytes.toString('latin1');
      expect(text.startsWith('%PDF-1.4')).toBe(true);
      // startxref points at the xref table
      const at = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)![1]);
      expect(text.slice(at, at + 4)).toBe('xref');
    }
  });

  it('writes ZIPs whose size zipSize predicts, with a shapefile inside', () => {
    const files = [
      { name: 'a.txt', data: Buffer.from('hello') },
      { name: 'dir/b.bin', data: fillerBytes(1000, 7) }
    ];
    const bytes = zip(files);
    expect(bytes.length).toBe(zipSize(files.map((f) => ({ name: f.name, size: f.data.length }))));
    expect(bytes.readUInt32LE(bytes.length - 22)).toBe(0x06054b50);
    const shp = zippedShapefile('z', [{ name: 'A', xmin: 0, ymin: 0, xmax: 1, ymax: 1 }]);
    for (const ext of ['shp', 'shx', 'dbf', 'prj']) expect(shp.includes(Buffer.from(`z.${ext}`))).toBe(true);
    expect(fillerBytes(64, 1)).toEqual(fillerBytes(64, 1));
    expect(fillerBytes(64, 1)).not.toEqual(fillerBytes(64, 2));
  });
});
