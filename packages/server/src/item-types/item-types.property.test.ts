/**
 * Property: for items of random catalogue types with references of every kind placed at random sites of the type
 * (and strings that only look like ids beside them), the catalogue finds every reference; after the restore's
 * rewriting every reference it finds points into the target organization, no part names the source's host or ids,
 * the look-alikes are untouched, and list-only parts (a notebook's code) are left exactly as they were.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rewriteJsonText, rewriteReferences, stringRewriter, type RewriteMaps } from '../restore/references.js';
import { findReferences, type ItemPart, ITEM_TYPES, rewritesData, rewritesResource, walkStrings } from './index.js';
import { placeableSites, placeReferences } from './testing/reference-placement.js';

const SRC = 'https://source.example.com';
const TGT = 'https://target.example.org/portal';
const SRC_SERVICES = 'https://services3.arcgis.com/SRCORG/arcgis/rest/services';
const TGT_SERVICES = 'https://target.example.org/server/rest/services/Hosted';
const hex = fc.stringMatching(/^[0-9a-f]{32}$/);
const specs = ITEM_TYPES.filter((t) => placeableSites(t).length > 0);
describe('catalogue rewriting (property)', () => {
  it('finds every placed reference; after rewriting, all point into the target and nothing names the source', () => {
    const world = fc.record({
      items: fc.uniqueArray(hex, { minLength: 3, maxLength: 5 }),
      groups: fc.uniqueArray(hex, { minLength: 1, maxLength: 2 }),
      decoys: fc.uniqueArray(hex, { minLength: 1, maxLength: 3 })
    });
    const placement = fc.record({ site: fc.nat(), target: fc.nat(), form: fc.nat(4), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }) });
    fc.assert(
      fc.property(fc.constantFrom(...specs), world, fc.array(placement, { minLength: 1, maxLength: 8 }), (spec, w, placements) => {
        const sourceIds = w.items.filter((id) => !w.groups.includes(id) && !w.decoys.includes(id));
        const groups = w.groups.filter((g) => !w.decoys.includes(g));
        const decoys = w.decoys;
        fc.pre(sourceIds.length > 0 && groups.length > 0);
        const targetOf = new Map([...sourceIds, ...groups].map((id) => [id, [...id].reverse().join('').replace(/^./, 'e')]));
        fc.pre(new Set(targetOf.values()).size === targetOf.size && [...targetOf.values()].every((t) => !targetOf.has(t) && !decoys.includes(t)));

        const lookAlike = { unmapped: decoys[0]!, longer: `${sourceIds[0]!}ab`, guid: `{${sourceIds[0]!.slice(0, 8)}-0000-4000-8000-000000000000}` };
        const { parts, placed: kept } = placeReferences(
          spec,
          placements,
          (kind, p) => {
            const id = kind === 'group' ? groups[p.target % groups.length]! : sourceIds[p.target % sourceIds.length]!;
            const service = `${SRC_SERVICES}/Svc${p.target % 3}/FeatureServer`;
            const url = [service, `${service}/${p.target % 4}`, `${service}/0/query?where=1%3D1&outFields=*`, `${SRC}/sharing/rest/content/items/${id}/data`, `${SRC}/apps/x/index.html?appid=${id}`][p.form % 5]!;
            const byKind: Record<string, { text: string; names: string }> = {
              item: { text: id, names: id },
              group: { text: id, names: id },
              folder: { text: id, names: id },
              keyword: { text: `hubSite|${id}`, names: id },
              url: { text: url, names: url },
              text: { text: `<p>See <a href="${url}">this</a>, then ${SRC}/home/item.html?id=${id}.</p>`, names: url },
              code: { text: `var fs = FeatureSetByPortalItem(Portal('${SRC}'), '${id}', 0, ['*'], false); // ${url}`, names: id }
            };
            return byKind[kind]!;
          },
          // Look-alikes go beside the references: unmapped ids, longer hex runs, GUIDs.
          () => ({ lookAlike: { ...lookAlike } })
        );

        // Every placed reference is found at its place.
        const found = findReferences(spec, parts);
        for (const p of kept) {
          const at = p.part === 'item' && p.path[0] === 'typeKeywords' ? 'typeKeywords' : p.path.join('.');
          const hit = found.some((r) => r.part === p.part && r.path.replace(/\[\d+\]/g, '').startsWith(at.replace(/\[\d+\]/g, '')) && r.value.toLowerCase().includes(p.names.toLowerCase().slice(0, 60)));
          expect(hit, `${spec.key}: ${p.part} ${p.path.join('.')} ${p.names}`).toBe(true);
        }

        // Rewrite as the restore does (restore/steps/item-parts.ts): the item's URL, properties and keywords; the
        // data and the text resources unless the catalogue lists them only.
        const maps: RewriteMaps = { ids: targetOf, urls: new Map([[SRC, TGT], [SRC_SERVICES, TGT_SERVICES]]) };
        const rewrite = stringRewriter(maps);
        const rewritten: ItemPart[] = parts.map((part) => {
          if (part.part === 'item') {
            const json = part.json as Record<string, unknown>;
            return { ...part, json: { ...rewriteReferences(json, maps).data, ...(Array.isArray(json.typeKeywords) ? { typeKeywords: (json.typeKeywords as string[]).map(rewrite) } : {}) } };
          }
          const text = JSON.stringify(part.json);
          const applies = part.part === 'data' ? rewritesData(spec) : rewritesResource(spec, part.resource ?? '');
          return { ...part, json: JSON.parse(applies ? rewriteJsonText(text, maps).text : text) as unknown };
        });
        const listOnly = (part: ItemPart) => (spec.listOnly ?? []).some((l) => l.part === part.part);
        const targets = new Set(targetOf.values());
        for (const ref of findReferences(spec, rewritten)) {
          if (ref.listOnly) continue;
          if (ref.kind === 'url') expect(ref.value.startsWith(TGT) || ref.value.startsWith(new URL(TGT).origin), `${spec.key} ${ref.path} ${ref.value}`).toBe(true);
          else expect(targets.has(ref.value), `${spec.key} ${ref.path} ${ref.value}`).toBe(true);
        }
        rewritten.forEach((part, i) => {
          if (listOnly(part)) {
            expect(part.json).toEqual(parts[i]!.json);
            return;
          }
          walkStrings(part.json, (path, text) => {
            expect(text.includes(new URL(SRC).host) || text.includes('SRCORG'), `${spec.key} ${path.join('.')}: ${text}`).toBe(false);
            for (const m of text.matchAll(/(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])/gi)) expect(targetOf.has(m[0].toLowerCase()), `${spec.key} ${path.join('.')}: ${text}`).toBe(false);
          });
          const look = (part.json as { lookAlike: Record<string, string> }).lookAlike;
          expect(look).toEqual((parts[i]!.json as { lookAlike: Record<string, string> }).lookAlike);
        });
      }),
      { numRuns: 300 }
    );
  });
});
