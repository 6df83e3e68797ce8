import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostedService } from '../src/features/hosted-service.factory.js';
import { type EmulatorHandle } from '../src/index.js';
import { rawRequest, startTestEmulator } from './support/emulator.js';
import { serviceUrlOf, tokenFor } from './support/feature-fixtures.js';

type Body = Record<string, unknown>;

// A layer JSON read from a layer without GlobalIDs (`"globalIdField": ""`, no GlobalID field) and sent back through
// addToDefinition, as a copy or a restore does, makes a layer without GlobalIDs; without that statement the emulator
// still adds a GlobalID field (features.http.test.ts).
describe('addToDefinition and GlobalIDs', () => {
  let emu: EmulatorHandle;
  let token: string;

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty' });
    token = await tokenFor(emu, emu.admin.username, emu.admin.password);
  });
  afterAll(async () => {
    await emu.close();
  });

  it('keeps a layer without GlobalIDs when its definition says so, and adds one otherwise', async () => {
    createHostedService(emu.context, { name: 'Copies', owner: emu.admin.username, capabilities: 'Query,Create,Update,Delete,Editing' });
    const admin = `${emu.context.urls.adminServicesRoot}/Copies/FeatureServer`;
    const fields = [{ name: 'OBJECTID', type: 'esriFieldTypeOID' }, { name: 'CODE', type: 'esriFieldTypeString', length: 10 }];
    const added = (await rawRequest(`${admin}/addToDefinition`, {
      token,
      addToDefinition: JSON.stringify({
        layers: [
          { id: 0, name: 'Without', geometryType: 'esriGeometryPoint', objectIdField: 'OBJECTID', globalIdField: '', fields },
          { id: 1, name: 'Default', geometryType: 'esriGeometryPoint', objectIdField: 'OBJECTID', fields }
        ]
      })
    }, { method: 'POST' })).body as Body;
    expect(added).toEqual({ layers: [{ name: 'Without', id: 0 }, { name: 'Default', id: 1 }], success: true });

    const without = (await rawRequest(`${serviceUrlOf(emu, 'Copies')}/0`, { token })).body as { globalIdField: string; fields: { name: string }[] };
    expect(without.globalIdField).toBe('');
    expect(without.fields.map((f) => f.name)).toEqual(['OBJECTID', 'CODE']);
    const withDefault = (await rawRequest(`${serviceUrlOf(emu, 'Copies')}/1`, { token })).body as { globalIdField: string; fields: { name: string }[] };
    expect(withDefault.globalIdField).toBe('GlobalID');

    // Features of the layer without GlobalIDs are added and read back without one.
    const edits = (await rawRequest(`${serviceUrlOf(emu, 'Copies')}/0/applyEdits`, { token, adds: JSON.stringify([{ attributes: { CODE: 'A' }, geometry: { x: 1, y: 2 } }]) }, { method: 'POST' })).body as { addResults: Body[] };
    expect(edits.addResults).toEqual([{ objectId: 1, uniqueId: 1, globalId: null, success: true }]);
  });
});
