import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inset, squarify } from './treemap-layout';

const area = (r: { w: number; h: number }) => r.w * r.h;

describe('squarify', () => {
  it('lays out the example of the paper with areas proportional to the values', () => {
    const values = [6, 6, 4, 3, 2, 2, 1];
    const placed = squarify(values.map((value, i) => ({ value, data: i })), { x: 0, y: 0, w: 6, h: 4 });
    expect(placed.map((p) => p.data)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const p of placed) expect(area(p.rect)).toBeCloseTo(values[p.data]!, 9);
    // The first row of the paper: the two 6s stacked in a 3-wide column.
    expect(placed[0]!.rect).toEqual({ x: 0, y: 0, w: 3, h: 2 });
    expect(placed[1]!.rect).toEqual({ x: 0, y: 2, w: 3, h: 2 });
  });

  it('gives zero values an empty rectangle and handles nothing to lay out', () => {
    const placed = squarify([{ value: 0, data: 'a' }, { value: 5, data: 'b' }], { x: 10, y: 20, w: 100, h: 50 });
    expect(placed.find((p) => p.data === 'b')!.rect).toEqual({ x: 10, y: 20, w: 100, h: 50 });
    expect(area(placed.find((p) => p.data === 'a')!.rect)).toBe(0);
    expect(squarify([], { x: 0, y: 0, w: 10, h: 10 })).toEqual([]);
    expect(squarify([{ value: 0, data: 1 }], { x: 0, y: 0, w: 10, h: 10 })[0]!.rect.w).toBe(0);
  });

  it('tiles the rectangle exactly: inside it, no overlaps, areas proportional', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.double({ min: 1, max: 2000, noNaN: true }),
        fc.double({ min: 1, max: 2000, noNaN: true }),
        (values, w, h) => {
          const rect = { x: 5, y: 7, w, h };
          const placed = squarify(values.map((value, i) => ({ value, data: i })), rect);
          const total = values.reduce((a, b) => a + b, 0);
          const eps = 1e-6 * Math.max(w, h);
          let sum = 0;
          for (const p of placed) {
            expect(p.rect.x).toBeGreaterThanOrEqual(rect.x - eps);
            expect(p.rect.y).toBeGreaterThanOrEqual(rect.y - eps);
            expect(p.rect.x + p.rect.w).toBeLessThanOrEqual(rect.x + w + eps);
            expect(p.rect.y + p.rect.h).toBeLessThanOrEqual(rect.y + h + eps);
            expect(area(p.rect) / (w * h)).toBeCloseTo(values[p.data]! / total, 6);
            sum += area(p.rect);
          }
          expect(sum / (w * h)).toBeCloseTo(1, 6);
          for (let i = 0; i < placed.length; i++) {
            for (let j = i + 1; j < placed.length; j++) {
              const a = placed[i]!.rect;
              const b = placed[j]!.rect;
              const overlapW = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
              const overlapH = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
              expect(overlapW <= eps || overlapH <= eps).toBe(true);
            }
          }
        }
      ),
      { numRuns: 200 }
    );
  });

  it('insets a rectangle without going below zero', () => {
    expect(inset({ x: 0, y: 0, w: 10, h: 20 }, 2)).toEqual({ x: 2, y: 2, w: 6, h: 16 });
    expect(inset({ x: 0, y: 0, w: 3, h: 20 }, 2)).toEqual({ x: 1.5, y: 2, w: 0, h: 16 });
  });
});
