import { readFileSync } from 'node:fs';
import { getItem, getItemGroups, getItemResources, getRelatedItems, getUserContent, searchItems } from '@esri/arcgis-rest-portal';
import { type ArcGISIdentityManager } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../../src/index.js';
import { signInAsAdmin, startTestEmulator } from '../support/emulator.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/content/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Every key of the fixture is present with the same JSON type (null matches anything, as ArcGIS nulls empty fields). */
function expectShape(actual: unknown, expected: Record<string, unknown>, path = '$'): void {
  expect(kindOf(actual), path).toBe('object');
  const obj = actual as Record<string, unknown>;
  for (const [key, value] of Object.entries(expected)) {
    expect(obj, `${path} lacks '${key}'`).toHaveProperty(key);
    const a = obj[key];
    if (value === null || a === null) continue;
    expect(kindOf(a), `${path}.${key}`).toBe(kindOf(value));
    if (Array.isArray(value) && Array.isArray(a) && value.length > 0 && a.length > 0 && kindOf(value[0]) === 'object') {
      expectShape(a[0], value[0] as Record<string, unknown>, `${path}.${key}[0]`);
    }
  }
}

describe('content answers against our fixtures and the demo organization', () => {
  let emu: EmulatorHandle;
  let admin: ArcGISIdentityManager;

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'demo' });
    admin = await signInAsAdmin(emu);
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('pages through every demo item with searchItems, and every item answers the documented shapes', async () => {
    const seen: string[] = [];
    let start = 1;
    for (;;) {
      const page = await searchItems({ q: `orgid:${emu.orgId}`, num: 100, start, sortField: 'created', authentication: admin });
      expectShape(page, fixture('search'));
      seen.push(...page.results.map((r) => r.id));
      if (page.nextStart === -1) break;
      start = page.nextStart;
    }
    const inState = [...emu.context.state.items.values()].filter((i) => i.json.orgId === emu.orgId).map((i) => i.json.id);
    expect(new Set(seen)).toEqual(new Set(inState));
    expect(seen.length).toBe(inState.length);

    for (const id of seen) {
      const item = await getItem(id, { authentication: admin });
      expectShape(item, fixture('item'), id);
      const data = await fetch(`${emu.restUrl}/content/items/${id}/data?token=${admin.token}`);
      expect(data.status, `${id} /data`).toBe(200);
      const record = emu.context.state.items.get(id)!;
      if (record.data?.kind === 'file') expect(Number(data.headers.get('content-length')), `${id} size`).toBe(record.data.blob.size);
      await data.arrayBuffer();
      const resources = await getItemResources(id, { authentication: admin });
      expectShape(resources, fixture('resources'), `${id} resources`);
      expect(resources.total).toBe(record.resources.size);
      expectShape(await getItemGroups(id, { authentication: admin }), fixture('item-groups'));
    }
  });

  it('answers user content and related items in the documented shapes', async () => {
    const content = await getUserContent({ owner: emu.admin.username, authentication: admin });
    expectShape(content, fixture('user-content'));
    const anyItem = [...emu.context.state.items.keys()][0]!;
    expectShape(await getRelatedItems({ id: anyItem, relationshipType: 'Map2Service', authentication: admin }), fixture('related-items'));
  });
});
