/** Web Scene: the scene JSON in `/data` (operational layers, scene layers, ground, basemap, slides with their views). */
import type { ItemTypeSpec } from './item-type.types.js';

export const webScene: ItemTypeSpec = {
  key: 'web-scene',
  label: 'Web Scene',
  types: ['Web Scene'],
  rank: 2,
  parts: {
    data: 'json',
    describe: ['data: the web scene JSON (operationalLayers with scene and feature layers, ground.layers, baseMap, presentation.slides)']
  },
  references: [
    { part: 'data', path: 'operationalLayers.**.itemId', kind: 'item', label: 'scene or feature layer item' },
    { part: 'data', path: 'operationalLayers.**.url', kind: 'url', label: 'scene or feature layer URL' },
    { part: 'data', path: 'ground.layers.*.itemId', kind: 'item', label: 'elevation layer item' },
    { part: 'data', path: 'ground.layers.*.url', kind: 'url', label: 'elevation layer URL' },
    { part: 'data', path: 'baseMap.baseMapLayers.*.url', kind: 'url', label: 'basemap layer URL' },
    { part: 'data', path: 'baseMap.baseMapLayers.*.styleUrl', kind: 'url', label: 'basemap style URL' },
    { part: 'data', path: 'presentation.slides.*.thumbnail.url', kind: 'url', label: 'slide thumbnail' },
    { part: 'data', path: '**.popupInfo.expressionInfos.*.expression', kind: 'code', label: 'popup Arcade expression' }
  ],
  relationships: ['Map2Service'],
  limitations: ['Scene layer packages and hosted scene layers are restored as items; their caches are built by ArcGIS from the source and are not in the snapshot.']
};
