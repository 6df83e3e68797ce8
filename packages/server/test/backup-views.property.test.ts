/**
 * Property: whatever hosted layers and views an organization has, the feature rows a snapshot stores are exactly the
 * rows of its layers that are not views, each stored once, under its own service; a view stores none (its rows are
 * its source's) and names its source.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostedService, createHostedView } from '@orgkeeper/arcgis-emulator';
import { runBackup } from '../src/backup/backup.engine.js';
import type { FeatureChunkContent } from '../src/store/feature-chunks.js';
import { openStore } from '../src/store/index.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';

interface SourceShape {
  kinds: number[];
}
interface ViewShape {
  source: number;
  /** The `kind` the view's definition query keeps, or null for every row. */
  kind: number | null;
  hideNote: boolean;
}

const shape = fc.record({
  sources: fc.array(fc.record({ kinds: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 12 }) }), { minLength: 1, maxLength: 3 }),
  views: fc.array(fc.record({ source: fc.nat(), kind: fc.option(fc.integer({ min: 0, max: 3 })), hideNote: fc.boolean() }), { maxLength: 4 })
});

describe('backup of layers and views (property)', () => {
  let emu: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  let run = 0;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online', seed: 'empty', randomSeed: 'views-property' });
    folder = await tempFolder('orgkeeper-views-property-');
  }, 60_000);
  afterAll(async () => {
    await emu?.close();
    await folder?.remove();
  });

  it('stores the rows of the non-view layers, once each, and no row under a view', async () => {
    await fc.assert(
      fc.asyncProperty(shape, async ({ sources, views }: { sources: SourceShape[]; views: ViewShape[] }) => {
        run++;
        const owner = emu.admin.username;
        const made = sources.map((s, i) =>
          createHostedService(emu.context, {
            name: `P${run}_source_${i}`,
            owner,
            capabilities: 'Query,Create,Update,Delete,Editing',
            layers: [
              {
                name: 'points',
                geometryType: 'esriGeometryPoint',
                fields: [{ name: 'kind', type: 'esriFieldTypeInteger' }, { name: 'note', type: 'esriFieldTypeString' }],
                features: s.kinds.map((kind, n) => ({ attributes: { kind, note: `row ${n}` }, geometry: { x: n * 10, y: kind * 10 } }))
              }
            ]
          })
        );
        const madeViews = views.map((v, i) =>
          createHostedView(emu.context, {
            name: `P${run}_view_${i}`,
            owner,
            layers: [
              {
                sourceServiceName: made[v.source % made.length]!.service.name,
                sourceLayerId: 0,
                ...(v.kind === null ? {} : { viewDefinitionQuery: `kind = ${v.kind}` }),
                ...(v.hideNote ? { hiddenFields: ['note'] } : {})
              }
            ]
          })
        );
        const itemIds = [...made, ...madeViews].map((m) => m.item.json.id);
        const fileLocation = join(folder.path, `store-${run}`);
        const result = await runBackup({
          identity: { id: 'p', name: 'Property', fileLocation, orgId: emu.orgId, portalUrl: emu.portalUrl, portalName: 'Property' },
          session: sessionFor(emu, { retry: RESTORE_RETRY }),
          itemIds,
          includePrincipals: false
        });
        expect(result.items.filter((i) => i.status !== 'ok')).toEqual([]);
        const store = await openStore(fileLocation, { expectOrgId: emu.orgId });
        const stored = new Map<string, string[]>();
        let storedRows = 0;
        for await (const entry of store.readList(await store.readSnapshot(result.snapshotId), 'items')) {
          const rows: string[] = [];
          for (const layer of entry.service?.layers ?? []) {
            for (const chunk of layer.chunks) {
              const content = await store.getJson<FeatureChunkContent>(chunk.hash);
              for (const f of content.features) rows.push(`${layer.id}:${String(f.attributes.kind)}:${String(f.attributes.note)}`);
            }
          }
          storedRows += rows.length;
          stored.set(entry.id, rows.sort());
          if (madeViews.some((v) => v.item.json.id === entry.id)) {
            expect(rows).toEqual([]);
            expect(entry.service?.view?.sources.map((s) => s.itemId)).toHaveLength(1);
          }
        }
        let orgRows = 0;
        for (const [i, m] of made.entries()) {
          const live = [...m.service.layers.get(0)!.store.scan()].map((f) => `0:${String(f.attributes.kind)}:${String(f.attributes.note)}`).sort();
          expect(stored.get(m.item.json.id)).toEqual(live);
          expect(live).toHaveLength(sources[i]!.kinds.length);
          orgRows += live.length;
        }
        expect(storedRows).toBe(orgRows);
      }),
      { numRuns: 12 }
    );
  }, 120_000);
});
