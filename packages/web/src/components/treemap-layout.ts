// Squarified treemap layout (Bruls, Huizing and van Wijk, "Squarified Treemaps", 2000): fills a rectangle with one
// rectangle per value, areas proportional to the values, laid out in rows that keep the rectangles close to squares so
// that their sizes are easy to compare and their labels fit.

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Placed<T> {
  rect: Rect;
  data: T;
}

/** The worst aspect ratio in a row of areas laid along a side of length `side`. */
function worst(sum: number, min: number, max: number, side: number): number {
  const s2 = sum * sum;
  const side2 = side * side;
  return Math.max((side2 * max) / s2, s2 / (side2 * min));
}

/**
 * Places `nodes` (with non-negative `value`s) in `rect`, largest first. Nodes with a value of 0 get an empty rectangle at
 * the rectangle's corner; when every value is 0 they all do. The result follows the input order of the sorted nodes.
 */
export function squarify<T>(nodes: readonly { value: number; data: T }[], rect: Rect): Placed<T>[] {
  const sorted = [...nodes].filter((n) => n.value > 0).sort((a, b) => b.value - a.value);
  const empty = nodes.filter((n) => !(n.value > 0)).map((n) => ({ rect: { x: rect.x, y: rect.y, w: 0, h: 0 }, data: n.data }));
  const total = sorted.reduce((sum, n) => sum + n.value, 0);
  if (total <= 0 || rect.w <= 0 || rect.h <= 0) {
    return [...sorted.map((n) => ({ rect: { x: rect.x, y: rect.y, w: 0, h: 0 }, data: n.data })), ...empty];
  }
  const scale = (rect.w * rect.h) / total;
  const areas = sorted.map((n) => n.value * scale);
  const placed: Placed<T>[] = [];
  let { x, y, w, h } = rect;
  let i = 0;
  while (i < sorted.length) {
    const side = Math.min(w, h);
    // Grow the row while that does not make its worst aspect ratio worse.
    let sum = areas[i]!;
    let min = sum;
    let max = sum;
    let j = i + 1;
    let current = worst(sum, min, max, side);
    while (j < sorted.length) {
      const a = areas[j]!;
      const next = worst(sum + a, Math.min(min, a), Math.max(max, a), side);
      if (next > current) break;
      sum += a;
      min = Math.min(min, a);
      max = Math.max(max, a);
      current = next;
      j++;
    }
    const last = j === sorted.length;
    if (w >= h) {
      // A column along the left side; the last row takes exactly what is left, so rounding never leaves a gap.
      const columnWidth = last ? w : sum / h;
      let top = y;
      for (let k = i; k < j; k++) {
        const height = k === j - 1 ? y + h - top : areas[k]! / columnWidth;
        placed.push({ rect: { x, y: top, w: columnWidth, h: height }, data: sorted[k]!.data });
        top += height;
      }
      x += columnWidth;
      w -= columnWidth;
    } else {
      const rowHeight = last ? h : sum / w;
      let left = x;
      for (let k = i; k < j; k++) {
        const width = k === j - 1 ? x + w - left : areas[k]! / rowHeight;
        placed.push({ rect: { x: left, y, w: width, h: rowHeight }, data: sorted[k]!.data });
        left += width;
      }
      y += rowHeight;
      h -= rowHeight;
    }
    i = j;
  }
  return [...placed, ...empty];
}

/** A rectangle shrunk by `by` on every side (never below zero size). */
export function inset(rect: Rect, by: number): Rect {
  const w = Math.max(0, rect.w - 2 * by);
  const h = Math.max(0, rect.h - 2 * by);
  return { x: rect.x + (rect.w - w) / 2, y: rect.y + (rect.h - h) / 2, w, h };
}
