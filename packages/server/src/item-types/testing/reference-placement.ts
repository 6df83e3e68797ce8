/**
 * For property tests: an item of a catalogue type with references placed at random sites of the type. Each placement
 * names a site, which referenced object to use and a form (a bare id, a service, layer or query-string URL, a portal
 * content or app URL, HTML, Arcade); the caller says what each form looks like in its world.
 */
import type { ItemPart } from '../item-references.js';
import type { ItemTypeSpec, ReferenceKind, ReferenceSite } from '../item-type.types.js';

/** Resource names the catalogue's resource sites are tried against (the first that a site accepts is used). */
export const RESOURCE_NAMES = ['config/config.json', 'draft.json', 'draft_1700000000000.json', 'draft-1700000000000.json', 'qc.project.json', 'styles/root.json', 'info/root.json', 'notes/a.json'];

/** The sites of an entry a placement may use (folders are the restore's own; resources need a name they accept). */
export function placeableSites(spec: ItemTypeSpec): ReferenceSite[] {
  return spec.references.filter((s) => s.kind !== 'folder' && (s.part !== 'resource' || RESOURCE_NAMES.some((n) => !s.resources || s.resources.test(n))));
}

export interface Placement {
  site: number;
  target: number;
  form: number;
  picks: number[];
}

export interface Placed {
  part: ItemPart['part'];
  resource?: string;
  path: string[];
  /** What the string names (an id or URL): what must be found and rewritten. */
  names: string;
  text: string;
}

/** A concrete path for a site pattern: `*` one key, `**` zero to two. */
export function pathFor(pattern: string, picks: number[]): string[] {
  const out: string[] = [];
  let p = 0;
  for (const seg of pattern.split('.')) {
    const pick = picks[p++ % picks.length]!;
    if (seg === '*') out.push(`k${pick % 3}`);
    else if (seg === '**') for (let i = 0; i < pick % 3; i++) out.push(['layers', 'sub', 'x'][i]!);
    else out.push(seg);
  }
  return out;
}

/** Puts a string at the path unless something is there already (or on the way); returns whether it did. */
function setAt(root: Record<string, unknown>, path: string[], value: string): boolean {
  let node = root;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    if (next === undefined) node[seg] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) return false;
    node = node[seg] as Record<string, unknown>;
  }
  const last = path.at(-1) ?? 'value';
  if (node[last] !== undefined) return false;
  node[last] = value;
  return true;
}

/**
 * The parts of an item with the placements made (one reference per place: one placed where another already is is left
 * out), each part starting from `start(part)`. `text(kind, placement)` gives the string for a site's kind and what it names.
 */
export function placeReferences(
  spec: ItemTypeSpec,
  placements: readonly Placement[],
  text: (kind: ReferenceKind, placement: Placement) => { text: string; names: string },
  start: (part: ItemPart['part']) => Record<string, unknown> = () => ({})
): { parts: ItemPart[]; placed: Placed[] } {
  const sites = placeableSites(spec);
  const roots = new Map<string, Record<string, unknown>>();
  const rootOf = (part: ItemPart['part'], resource?: string) => {
    const key = `${part}:${resource ?? ''}`;
    if (!roots.has(key)) roots.set(key, start(part));
    return roots.get(key)!;
  };
  const placed: Placed[] = [];
  for (const p of placements) {
    const site = sites[p.site % sites.length]!;
    const { text: value, names } = text(site.kind, p);
    const resource = site.part === 'resource' ? RESOURCE_NAMES.find((n) => !site.resources || site.resources.test(n)) : undefined;
    const one: Placed = { part: site.part, ...(resource ? { resource } : {}), path: pathFor(site.path, p.picks), names, text: value };
    if (one.part === 'item' && one.path[0] === 'typeKeywords') {
      // `typeKeywords.*` is a list in the item JSON.
      const root = rootOf('item');
      root.typeKeywords = [...((root.typeKeywords as string[] | undefined) ?? []), value];
      placed.push(one);
    } else if (setAt(rootOf(one.part, one.resource), one.path, value)) placed.push(one);
  }
  const parts: ItemPart[] = [...roots.entries()].map(([key, json]) => {
    const [part, resource] = key.split(':') as [ItemPart['part'], string];
    return { part, ...(resource ? { resource } : {}), json };
  });
  return { parts, placed };
}
