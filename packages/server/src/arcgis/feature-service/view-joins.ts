/**
 * Join views ("advanced views"): a view layer whose `adminLayerInfo.viewLayerDefinition` holds a `table` (the main
 * source, `sourceServiceName` and `sourceLayerId`, and its `relatedTables`, each with its own source) instead of one
 * source. Esri: Add To Definition (Feature Service), "Advanced views"; the ArcGIS API for Python's `PrimaryTableView`
 * and `RelatedTable` send the same shape. These helpers read it as content from ArcGIS: nothing is trusted but the
 * shape they check.
 */

/** The part of a join's `table` (or one related table) OrgKeeper needs: where its rows are. */
export interface JoinTableSource {
  sourceServiceName: string;
  sourceLayerId: number;
}

function sourceOf(value: unknown): JoinTableSource | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const t = value as { sourceServiceName?: unknown; sourceLayerId?: unknown };
  const id = typeof t.sourceLayerId === 'number' ? t.sourceLayerId : /^\d+$/.test(String(t.sourceLayerId ?? '')) ? Number(t.sourceLayerId) : Number.NaN;
  return typeof t.sourceServiceName === 'string' && t.sourceServiceName.trim() !== '' && Number.isInteger(id) ? { sourceServiceName: t.sourceServiceName, sourceLayerId: id } : undefined;
}

/** The `table` of a join view layer's viewLayerDefinition (with a usable main source), else undefined. */
export function joinTableOf(definition: Record<string, unknown> | undefined): (JoinTableSource & Record<string, unknown>) | undefined {
  const table = definition?.table;
  return sourceOf(table) ? (table as JoinTableSource & Record<string, unknown>) : undefined;
}

/** Every source a join reads: the main table first, then each related table that names one. */
export function joinSources(table: Record<string, unknown>): JoinTableSource[] {
  const related = Array.isArray(table.relatedTables) ? table.relatedTables : [];
  return [sourceOf(table), ...related.map(sourceOf)].filter((s): s is JoinTableSource => !!s);
}

/** A copy of a join's `table` with every source service name passed through `rename` (the input is not changed). */
export function withJoinSourceNames(table: Record<string, unknown>, rename: (name: string) => string): Record<string, unknown> {
  const renamed = (t: unknown) => {
    const copy = structuredClone(t) as Record<string, unknown>;
    if (typeof copy.sourceServiceName === 'string') copy.sourceServiceName = rename(copy.sourceServiceName);
    return copy;
  };
  const out = renamed(table);
  if (Array.isArray(table.relatedTables)) out.relatedTables = table.relatedTables.map((r) => (r && typeof r === 'object' ? renamed(r) : r));
  return out;
}
