import { type Blob } from '../state/types.js';

export function bufferBlob(data: Buffer | string, contentType: string): Blob {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return { contentType, size: buf.length, read: () => buf };
}

/**
 * Bytes generated on first read and then kept; `size` must be known up front (it is what ArcGIS reports
 * in item `size` and resource listings before anything is downloaded).
 */
export function lazyBlob(size: number, contentType: string, generate: () => Buffer): Blob {
  let cached: Buffer | undefined;
  return {
    contentType,
    size,
    read: () => {
      cached ??= generate();
      return cached;
    }
  };
}
