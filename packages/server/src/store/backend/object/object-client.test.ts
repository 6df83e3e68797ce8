import { describe, expect, it } from 'vitest';
import { partSizeFor, uploadEachPart } from './object-client.js';

const MiB = 1024 * 1024;

describe('uploads in parts', () => {
  it('grows the part size so that a huge object stays within the service limit on parts', () => {
    expect(partSizeFor(40 * MiB, 8 * MiB, 10_000)).toBe(8 * MiB);
    // 200 GB at 8 MiB would be about 23,842 parts: S3 allows 10,000, Azure 50,000 blocks.
    const s3 = partSizeFor(200e9, 8 * MiB, 10_000);
    expect(Math.ceil(200e9 / s3)).toBeLessThanOrEqual(10_000);
    expect(s3 % MiB).toBe(0);
    expect(Math.ceil(5e12 / partSizeFor(5e12, 8 * MiB, 50_000))).toBeLessThanOrEqual(50_000);
  });

  it('uploads every part once, in order of part number, with at most `concurrency` held at a time', async () => {
    let held = 0;
    let maxHeld = 0;
    const bytes = Buffer.alloc(10 * 1000 + 7, 1);
    const seen: number[] = [];
    const etags = await uploadEachPart(
      {
        size: bytes.length,
        partSize: 1000,
        concurrency: 3,
        read: async (offset, length) => bytes.subarray(offset, offset + length),
        onBuffer: (delta) => {
          held += delta;
          maxHeld = Math.max(maxHeld, held);
        }
      },
      async (index, part) => {
        seen.push(index);
        await new Promise((resolve) => setTimeout(resolve, (index * 7) % 5));
        return `${index}:${part.length}`;
      }
    );
    expect(etags).toEqual([...Array.from({ length: 10 }, (_, i) => `${i}:1000`), '10:7']);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect(maxHeld).toBeLessThanOrEqual(3 * 1000);
    expect(held).toBe(0);
  });
});
