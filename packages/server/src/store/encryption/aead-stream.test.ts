import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AeadError, HEADER_BYTES, SEGMENT_BYTES, open, openStream, seal, sealStream } from './aead-stream.js';

const key = randomBytes(32);

/** Push `bytes` through a transform in the given chunk sizes, collecting its output. */
async function through(stream: NodeJS.ReadWriteStream, bytes: Buffer, chunk: number): Promise<Buffer> {
  const pieces = [];
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
  const out: Buffer[] = [];
  for await (const piece of Readable.from(pieces).pipe(stream)) out.push(piece as Buffer);
  return Buffer.concat(out);
}

describe('AES-256-GCM STREAM sealing', () => {
  it('round-trips any bytes, whole or streamed in any chunking, and both forms read each other (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3 * SEGMENT_BYTES + 100 }), fc.integer({ min: 1, max: 200_000 }), fc.uint8Array({ maxLength: 20 }), async (data, chunk, aad) => {
        const bytes = Buffer.from(data);
        const sealed = seal(key, bytes, aad);
        expect(open(key, sealed, aad).equals(bytes)).toBe(true);
        expect((await through(openStream(key, aad), sealed, chunk)).equals(bytes)).toBe(true);
        const streamed = await through(sealStream(key, aad), bytes, chunk);
        expect(streamed.length).toBe(sealed.length);
        expect(open(key, streamed, aad).equals(bytes)).toBe(true);
      }),
      { numRuns: 40 }
    );
  });

  it('gives different ciphertext for the same plaintext (a fresh salt and key per message)', () => {
    const bytes = Buffer.from('same content');
    expect(seal(key, bytes).equals(seal(key, bytes))).toBe(false);
    expect(seal(key, bytes).includes(bytes)).toBe(false);
  });

  it('detects any altered byte, a wrong key, other associated data, truncation, extension and reordering', async () => {
    const bytes = randomBytes(3 * SEGMENT_BYTES + 10);
    const sealed = seal(key, bytes, Buffer.from('snapshots/a.json'));
    const fails = async (damaged: Buffer, aad = Buffer.from('snapshots/a.json'), k = key) => {
      expect(() => open(k, damaged, aad)).toThrow(AeadError);
      await expect(through(openStream(k, aad), damaged, 10_000)).rejects.toThrow(AeadError);
    };
    for (const at of [0, 5, HEADER_BYTES + 1, HEADER_BYTES + SEGMENT_BYTES + 3, sealed.length - 1]) {
      const damaged = Buffer.from(sealed);
      damaged[at]! ^= 0x01;
      await fails(damaged);
    }
    await fails(sealed, Buffer.from('snapshots/b.json'));
    await fails(sealed, undefined, randomBytes(32));
    const segment = SEGMENT_BYTES + 16;
    // Cut at a segment boundary: what remains is whole segments, but the last of them is not marked last.
    await fails(sealed.subarray(0, HEADER_BYTES + 2 * segment));
    await fails(Buffer.concat([sealed, sealed.subarray(HEADER_BYTES, HEADER_BYTES + segment)]));
    const swapped = Buffer.concat([sealed.subarray(0, HEADER_BYTES), sealed.subarray(HEADER_BYTES + segment, HEADER_BYTES + 2 * segment), sealed.subarray(HEADER_BYTES, HEADER_BYTES + segment), sealed.subarray(HEADER_BYTES + 2 * segment)]);
    await fails(swapped);
    await fails(Buffer.from('not sealed at all'));
    await fails(Buffer.alloc(0));
  });
});
