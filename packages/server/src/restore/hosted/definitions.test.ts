import { describe, expect, it } from 'vitest';
import { createParameters, layerDefinitionForAdd, layerWriteInfo, withEditing } from './definitions.js';

describe('definitions for a recreated service', () => {
  it('creates an editable service with the original properties, whatever its capabilities were', () => {
    const params = createParameters({ capabilities: 'Query', maxRecordCount: 2000, spatialReference: { wkid: 102100 }, serviceItemId: 'old', syncEnabled: true, layers: [{ id: 0 }] }, 'Parks');
    expect(params).toEqual({ name: 'Parks', capabilities: 'Query,Create,Delete,Update,Editing', maxRecordCount: 2000, spatialReference: { wkid: 102100 }, hasStaticData: false });
    expect(withEditing('Create,Delete,Query,Update,Editing,ChangeTracking')).toBeUndefined();
  });

  it('keeps a layer definition but what ArcGIS manages itself', () => {
    const def = layerDefinitionForAdd({
      id: 0, name: 'Hydrants', fields: [{ name: 'OBJECTID', type: 'esriFieldTypeOID' }], drawingInfo: { renderer: {} }, relationships: [], indexes: [], templates: [], types: [],
      editingInfo: { lastEditDate: 1 }, serverGens: {}, serviceItemId: 'x', currentVersion: 11.3, supportsAppend: true, advancedQueryCapabilities: {}, capabilities: 'Query', editFieldsInfo: { editorField: 'Editor' }
    });
    expect(Object.keys(def).sort()).toEqual(['drawingInfo', 'editFieldsInfo', 'fields', 'id', 'indexes', 'name', 'relationships', 'templates', 'types']);
    const polygon = layerDefinitionForAdd({ name: 'Parcels', fields: [{ name: 'OBJECTID', type: 'esriFieldTypeOID' }, { name: 'Shape__Area', type: 'esriFieldTypeDouble' }, { name: 'Shape__Length', type: 'esriFieldTypeDouble' }] });
    expect(polygon.fields).toEqual([{ name: 'OBJECTID', type: 'esriFieldTypeOID' }]);
  });

  it('knows which fields the server fills in', () => {
    const info = layerWriteInfo({
      objectIdField: 'OBJECTID', globalIdField: 'GlobalID', geometryType: 'esriGeometryPolygon', hasAttachments: true, maxRecordCount: 2000,
      editFieldsInfo: { creationDateField: 'CreationDate', creatorField: 'Creator', editDateField: 'EditDate', editorField: 'Editor' },
      fields: [
        { name: 'OBJECTID', type: 'esriFieldTypeOID', editable: false },
        { name: 'NAME', type: 'esriFieldTypeString', editable: true },
        { name: 'Shape__Area', type: 'esriFieldTypeDouble', editable: false },
        { name: 'GlobalID', type: 'esriFieldTypeGlobalID', editable: false }
      ]
    });
    expect([...info.managed].sort()).toEqual(['creationdate', 'creator', 'editdate', 'editor', 'globalid', 'objectid', 'shape__area']);
    expect(info).toMatchObject({ oidField: 'OBJECTID', globalIdField: 'GlobalID', geometry: true, hasAttachments: true, maxRecordCount: 2000 });
    expect(layerWriteInfo({ fields: [{ name: 'FID', type: 'esriFieldTypeOID' }], globalIdField: '' })).toMatchObject({ oidField: 'FID', globalIdField: undefined, geometry: false, maxRecordCount: 1000 });
  });
});
