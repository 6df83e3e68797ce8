// The organization as a squarified treemap: owners, then their folders, then items, each sized by storage. Every block
// is a toggle button (owner and folder blocks toggle everything inside), laid out as siblings in one positioned box so
// the tab order follows the hierarchy: an owner, its folders and items, then the next owner.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ContentMap, ContentMapItem } from '../../api/backup.api';
import { inset, type Rect, squarify } from '../../components/treemap-layout';
import { formatBytes, plural } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import { type MapIndex, triState, type TriState } from './selection';
import { CATEGORY_LABELS, typeCategory, type TypeCategory } from './type-category';
import '@esri/calcite-components/components/calcite-icon';

/** Blocks smaller than this (in px, either side) are not drawn; they are still selected through their folder or owner. */
const MIN_SIDE = 6;
const HEADER = 20;
const PAD = 2;

type Block =
  | { kind: 'owner'; key: string; rect: Rect; owner: string; ids: string[]; size: number; header: boolean }
  | { kind: 'folder'; key: string; rect: Rect; folderId: string; title: string; owner: string; ids: string[]; size: number; header: boolean }
  | { kind: 'item'; key: string; rect: Rect; item: ContentMapItem; category: TypeCategory };

interface Layout {
  blocks: Block[];
  /** Items too small to draw at this size. */
  hidden: number;
}

/**
 * Layout weights: the size, but at least a quarter of the average item, so that empty and tiny items stay visible and
 * clickable next to a few very large ones (their labels and tooltips give the real size).
 */
function weights(map: ContentMap): Map<string, number> {
  const average = map.items.length > 0 ? map.totals.size / map.items.length : 0;
  const floor = Math.max(1, average / 4);
  return new Map(map.items.map((item) => [item.id, Math.max(item.size, floor)]));
}

function layout(map: ContentMap, index: MapIndex, width: number, height: number): Layout {
  const weight = weights(map);
  const sum = (ids: readonly string[]) => ids.reduce((total, id) => total + (weight.get(id) ?? 0), 0);
  const itemsById = new Map(map.items.map((item) => [item.id, item]));
  const folderById = new Map(map.folders.map((folder) => [folder.id, folder]));
  const blocks: Block[] = [];
  let hidden = 0;
  const visible = (rect: Rect) => rect.w >= MIN_SIDE && rect.h >= MIN_SIDE;
  const withHeader = (rect: Rect) => rect.h >= HEADER * 2 + 8 && rect.w >= 48;
  const content = (rect: Rect, header: boolean): Rect => {
    const inner = inset(rect, PAD);
    return header ? { x: inner.x, y: inner.y + HEADER, w: inner.w, h: Math.max(0, inner.h - HEADER) } : inner;
  };
  const placeItems = (ids: string[], rect: Rect) => {
    for (const placed of squarify(ids.map((id) => ({ value: weight.get(id) ?? 0, data: id })), rect)) {
      const item = itemsById.get(placed.data)!;
      const r = inset(placed.rect, 1);
      if (!visible(r)) {
        hidden++;
        continue;
      }
      blocks.push({ kind: 'item', key: `i:${item.id}`, rect: r, item, category: typeCategory(item.type) });
    }
  };

  const owners = [...index.byOwner.entries()].map(([owner, ids]) => ({ value: sum(ids), data: { owner, ids } }));
  for (const placedOwner of squarify(owners, { x: 0, y: 0, w: width, h: height })) {
    const { owner, ids } = placedOwner.data;
    const rect = inset(placedOwner.rect, 1);
    if (!visible(rect)) {
      hidden += ids.length;
      continue;
    }
    const header = withHeader(rect);
    const size = ids.reduce((total, id) => total + (itemsById.get(id)?.size ?? 0), 0);
    blocks.push({ kind: 'owner', key: `o:${owner}`, rect, owner, ids, size, header });
    // Folders and the items at the owner's root share the owner's block.
    const children: { value: number; data: { folderId: string | null; ids: string[] } }[] = [];
    const rootIds: string[] = [];
    const folderIds = new Map<string, string[]>();
    for (const id of ids) {
      const folderId = itemsById.get(id)?.folderId ?? null;
      if (folderId === null) rootIds.push(id);
      else folderIds.set(folderId, [...(folderIds.get(folderId) ?? []), id]);
    }
    for (const [folderId, inFolder] of folderIds) children.push({ value: sum(inFolder), data: { folderId, ids: inFolder } });
    for (const id of rootIds) children.push({ value: weight.get(id) ?? 0, data: { folderId: null, ids: [id] } });
    for (const placed of squarify(children, content(rect, header))) {
      const { folderId, ids: childIds } = placed.data;
      if (folderId === null) {
        placeItems(childIds, placed.rect);
        continue;
      }
      const folderRect = inset(placed.rect, 1);
      if (!visible(folderRect)) {
        hidden += childIds.length;
        continue;
      }
      const folderHeader = withHeader(folderRect);
      const folder = folderById.get(folderId);
      blocks.push({
        kind: 'folder',
        key: `f:${folderId}`,
        rect: folderRect,
        folderId,
        title: folder?.title ?? folderId,
        owner,
        ids: childIds,
        size: childIds.reduce((total, id) => total + (itemsById.get(id)?.size ?? 0), 0),
        header: folderHeader
      });
      placeItems(childIds, content(folderRect, folderHeader));
    }
  }
  return { blocks, hidden };
}

const PRESSED: Record<TriState, 'true' | 'false' | 'mixed'> = { all: 'true', none: 'false', some: 'mixed' };

export interface ContentTreemapProps {
  map: ContentMap;
  index: MapIndex;
  selected: ReadonlySet<string>;
  onToggle: (ids: string[]) => void;
  height?: number;
}

export function ContentTreemap({ map, index, selected, onToggle, height = 520 }: ContentTreemapProps) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(900);
  useEffect(() => {
    const element = box.current;
    if (!element) return undefined;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.max(200, Math.floor(entry.contentRect.width)));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const { blocks, hidden } = useMemo(() => layout(map, index, width, height), [map, index, width, height]);

  return (
    <div className="treemap-wrap">
      <div
        ref={box}
        className="treemap"
        role="group"
        aria-label="Content map: owners, their folders and items, sized by storage. Press a block to select or deselect it."
        style={{ height }}
      >
        {blocks.map((block) => (
          <TreemapBlock key={block.key} block={block} selected={selected} onToggle={onToggle} />
        ))}
      </div>
      <div className="treemap-legend" aria-hidden="true">
        {(Object.keys(CATEGORY_LABELS) as TypeCategory[]).map((category) => (
          <span key={category} className="treemap-legend-entry">
            <span className={`treemap-swatch tm-${category} tm-on`} />
            {CATEGORY_LABELS[category]}
          </span>
        ))}
        <span className="treemap-legend-entry">
          <span className="treemap-swatch tm-off" />
          Not selected
        </span>
      </div>
      {hidden > 0 && (
        <p className="treemap-note">
          {plural(hidden, 'small item')} {hidden === 1 ? 'is' : 'are'} too small to draw here; select {hidden === 1 ? 'it' : 'them'} with {hidden === 1 ? 'its' : 'their'} folder or owner, or by type and owner below.
        </p>
      )}
    </div>
  );
}

/** One block: an item toggles itself, an owner or folder everything inside (pressed, not pressed or mixed). */
function TreemapBlock({ block, selected, onToggle }: { block: Block; selected: ReadonlySet<string>; onToggle: (ids: string[]) => void }) {
  const style = { left: block.rect.x, top: block.rect.y, width: block.rect.w, height: block.rect.h };
  if (block.kind === 'item') {
    const on = selected.has(block.item.id);
    const showLabel = block.rect.w >= 56 && block.rect.h >= 18;
    return (
      <button
        type="button"
        className={`tm-block tm-item tm-${block.category}${on ? ' tm-on' : ''}`}
        style={style}
        aria-pressed={on}
        aria-label={`Item ${block.item.title || '(no title)'} (${block.item.type}), ${formatBytes(block.item.size)}, owner ${block.item.owner}`}
        title={`${block.item.title} · ${block.item.type} · ${formatBytes(block.item.size)}`}
        data-item-id={block.item.id}
        onClick={() => onToggle([block.item.id])}
      >
        {showLabel && <PlainText className="tm-label" text={block.item.title} fallback="(no title)" />}
      </button>
    );
  }
  const state = triState(block.ids, selected);
  const name = block.kind === 'owner' ? `Owner ${block.owner}` : `Folder ${block.title} of ${block.owner}`;
  return (
    <button
      type="button"
      className={`tm-block tm-${block.kind} tm-state-${state}`}
      style={style}
      aria-pressed={PRESSED[state]}
      aria-label={`${name}: ${plural(block.ids.length, 'item')}, ${formatBytes(block.size)}`}
      title={`${name} · ${plural(block.ids.length, 'item')} · ${formatBytes(block.size)}`}
      data-owner={block.kind === 'owner' ? block.owner : undefined}
      data-folder-id={block.kind === 'folder' ? block.folderId : undefined}
      onClick={() => onToggle(block.ids)}
    >
      {block.header && (
        <span className="tm-header">
          <calcite-icon icon={block.kind === 'owner' ? 'user' : 'folder'} scale="s" aria-hidden="true" />
          {block.kind === 'owner' ? <PlainText className="tm-label" text={block.owner} /> : <PlainText className="tm-label" text={block.title} />}
          <span className="tm-size">{formatBytes(block.size)}</span>
        </span>
      )}
    </button>
  );
}
