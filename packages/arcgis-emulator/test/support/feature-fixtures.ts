import { expect } from 'vitest';
import { createHostedService } from '../../src/features/hosted-service.factory.js';
import { type Feature, type HostedServiceSpec } from '../../src/features/types.js';
import { type EmulatorHandle } from '../../src/index.js';
import { rawRequest } from './emulator.js';

export const TREE_COUNT = 25;
export const SPECIES = ['Oak', 'Maple', 'Pine', 'Birch', "O'Neil Elm"];

/** Tree n (1-based): deterministic attributes so tests can compute expected answers. */
export function tree(n: number): Feature {
  return {
    attributes: {
      species: SPECIES[n % SPECIES.length],
      height: n * 1.5,
      planted: Date.UTC(2000 + (n % 20), 0, 1),
      // every 5th tree has no inspector
      inspector: n % 5 === 0 ? null : `inspector_${n % 3}`,
      status: n % 2 === 0 ? 'ok' : 'check'
    },
    // lon/lat around Redlands
    geometry: { x: -117.2 + n * 0.001, y: 34.05 + n * 0.001 }
  };
}

/**
 * A service "Trees": layer 0 points (TREE_COUNT trees, attachments on tree 1 and 2), table 1 "Inspections" related
 * to the trees by GlobalID. maxRecordCount 10 so paging is exercised with few features.
 */
export function createTreesService(emu: EmulatorHandle, overrides: Partial<HostedServiceSpec> = {}) {
  const features = Array.from({ length: TREE_COUNT }, (_, i) => tree(i + 1));
  const created = createHostedService(emu.context, {
    name: 'Trees',
    title: 'City trees',
    owner: emu.admin.username,
    access: 'private',
    capabilities: 'Create,Delete,Query,Update,Editing,ChangeTracking',
    maxRecordCount: 10,
    featuresSpatialReference: { wkid: 4326 },
    layers: [
      {
        name: 'Trees',
        geometryType: 'esriGeometryPoint',
        hasAttachments: true,
        editorTracking: true,
        fields: [
          {
            name: 'species',
            type: 'esriFieldTypeString',
            length: 32,
            domain: { type: 'codedValue', name: 'species', codedValues: SPECIES.map((s) => ({ name: s.toUpperCase(), code: s })) }
          },
          { name: 'height', type: 'esriFieldTypeDouble' },
          { name: 'planted', type: 'esriFieldTypeDate' },
          { name: 'inspector', type: 'esriFieldTypeString', length: 20 },
          { name: 'status', type: 'esriFieldTypeString', length: 8, nullable: false, defaultValue: 'check' }
        ],
        relationships: [
          { id: 0, name: 'Tree_Inspections', relatedTableId: 1, cardinality: 'esriRelCardinalityOneToMany', role: 'esriRelRoleOrigin', keyField: 'GlobalID', composite: true }
        ],
        features,
        attachments: {
          1: [{ name: 'bark.jpg', contentType: 'image/jpeg', data: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) }],
          2: [
            { name: 'notes.txt', contentType: 'text/plain', data: 'healthy', keywords: 'notes' },
            { name: 'leaf.png', contentType: 'image/png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47]) }
          ]
        }
      }
    ],
    tables: [
      {
        name: 'Inspections',
        fields: [
          { name: 'TreeGlobalID', type: 'esriFieldTypeGUID' },
          { name: 'result', type: 'esriFieldTypeString', length: 64 }
        ],
        relationships: [
          { id: 0, name: 'Tree_Inspections', relatedTableId: 0, cardinality: 'esriRelCardinalityOneToMany', role: 'esriRelRoleDestination', keyField: 'TreeGlobalID', composite: true }
        ]
      }
    ],
    ...overrides
  });
  // Two inspections for tree 1.
  const trees = created.service.layers.get(0)!;
  const inspections = created.service.layers.get(1)!;
  const gid = trees.store.get(1)!.attributes.GlobalID;
  for (const result of ['pass', 'fail']) {
    const oid = inspections.store.allocateOid();
    inspections.store.put({ oid, attributes: { OBJECTID: oid, TreeGlobalID: gid, result, GlobalID: `{00000000-0000-4000-8000-${String(oid).padStart(12, '0')}}` }, geometry: null, createdGen: 0, gen: 0 });
  }
  return created;
}

/** A token for a user through the portal's generateToken (username and password). */
export async function tokenFor(emu: EmulatorHandle, username: string, password: string): Promise<string> {
  const res = await rawRequest(`${emu.restUrl}/generateToken`, { username, password, client: 'referer', referer: 'http://localhost', expiration: 60 }, { method: 'POST' });
  const body = res.body as { token?: string };
  if (!body.token) throw new Error(`generateToken failed: ${res.text}`);
  return body.token;
}

export function serviceUrlOf(emu: EmulatorHandle, name: string): string {
  return `${emu.servicesRoot}/${name}/FeatureServer`;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Compares an answer's shape with a fixture: every key of the fixture must be present with the same JSON type
 * (null in the fixture accepts null or any type; arrays compare their first elements; a key written "?key" may be
 * absent). Extra keys are allowed when `exact` is false.
 */
export function expectShape(actual: unknown, fixture: Json, path = '$', exact = false): void {
  if (fixture === null) return;
  const kind = kindOf(fixture);
  expect(kindOf(actual), `${path} should be ${kind}`).toBe(kind);
  if (kind === 'array') {
    const f = fixture as Json[];
    const a = actual as unknown[];
    if (f.length > 0 && a.length > 0) expectShape(a[0], f[0]!, `${path}[0]`, exact);
  } else if (kind === 'object') {
    const f = fixture as Record<string, Json>;
    const a = actual as Record<string, unknown>;
    for (const fixtureKey of Object.keys(f)) {
      // "?key": the answer may leave the key out (ArcGIS omits e.g. exceededTransferLimit when it is false).
      const optional = fixtureKey.startsWith('?');
      const key = optional ? fixtureKey.slice(1) : fixtureKey;
      if (optional && !(key in a)) continue;
      expect(a, `${path} should have key '${key}'`).toHaveProperty([key]);
      expectShape(a[key], f[fixtureKey]!, `${path}.${key}`, exact);
    }
    if (exact) {
      const allowed = new Set(Object.keys(f).map((k) => k.replace(/^\?/, '')));
      for (const key of Object.keys(a)) expect(allowed.has(key), `${path} has unexpected key '${key}'`).toBe(true);
    }
  }
}
