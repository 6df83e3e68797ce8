import { createHmac } from 'node:crypto';
import { createGunzip, createGzip, gunzip, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { type BlobCodec, blobCorrupt, verifiedStream } from '../blob-store/blob-codec.js';
import { describeError } from '../store-error.js';
import { open, openStream, seal, sealStream } from './aead-stream.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * The codec of an encrypted store: a blob is named by HMAC-SHA256 of its content under a key derived from the store
 * key (the same content gets the same name, so deduplication works, but a name reveals nothing about the content
 * without the key), and stored as its gzip sealed with AES-256-GCM (aead-stream.ts). Reading checks the seal, then the
 * name: a blob altered, truncated, or moved to another blob's name fails with `blob_corrupt`.
 */
export function encryptedCodec(nameKey: Buffer, dataKey: Buffer): BlobCodec {
  const codec: BlobCodec = {
    naming: 'hmac-sha256',
    nameOf: (content) => createHmac('sha256', nameKey).update(content).digest('hex'),
    newNamer: () => {
      const hmac = createHmac('sha256', nameKey);
      return { update: (chunk) => void hmac.update(chunk), digest: () => hmac.digest('hex') };
    },
    encode: async (content, level) => seal(dataKey, await gzipAsync(content, { level })),
    encoders: (level) => [createGzip({ level }), sealStream(dataKey)],
    async decode(stored, hash) {
      let compressed: Buffer;
      try {
        compressed = open(dataKey, stored);
      } catch (error) {
        throw blobCorrupt(hash, `it fails authentication (${describeError(error)})`);
      }
      let content: Buffer;
      try {
        content = await gunzipAsync(compressed);
      } catch (error) {
        throw blobCorrupt(hash, `it does not decompress (${describeError(error)})`);
      }
      const actual = codec.nameOf(content);
      if (actual !== hash) throw blobCorrupt(hash, `its content names ${actual}`);
      return content;
    },
    decodeStream: (stored, hash) => verifiedStream(stored, [openStream(dataKey), createGunzip()], codec.newNamer(), hash, 'it fails authentication or does not decompress')
  };
  return codec;
}
