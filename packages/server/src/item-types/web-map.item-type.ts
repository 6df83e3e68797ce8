/**
 * Web Map: the map JSON in `/data` (ArcGIS web map specification). Operational layers (also inside group layers),
 * tables and basemap layers name their item and service; popups and Field Maps forms carry Arcade expressions, which
 * may read other items (`FeatureSetByPortalItem`); bookmarks may have thumbnail URLs.
 */
import type { ItemTypeSpec } from './item-type.types.js';

export const webMap: ItemTypeSpec = {
  key: 'web-map',
  label: 'Web Map',
  types: ['Web Map'],
  rank: 2,
  parts: {
    data: 'json',
    describe: [
      'data: the web map JSON (operationalLayers with group layers, tables, baseMap, bookmarks, popups, Field Maps forms)',
      'resources: rarely any (notes written by apps)'
    ]
  },
  references: [
    { part: 'data', path: 'operationalLayers.**.itemId', kind: 'item', label: 'operational layer item' },
    { part: 'data', path: 'operationalLayers.**.url', kind: 'url', label: 'operational layer URL' },
    { part: 'data', path: 'operationalLayers.**.styleUrl', kind: 'url', label: 'vector tile style URL' },
    { part: 'data', path: 'tables.*.itemId', kind: 'item', label: 'table item' },
    { part: 'data', path: 'tables.*.url', kind: 'url', label: 'table URL' },
    { part: 'data', path: 'baseMap.baseMapLayers.*.itemId', kind: 'item', label: 'basemap layer item' },
    { part: 'data', path: 'baseMap.baseMapLayers.*.url', kind: 'url', label: 'basemap layer URL' },
    { part: 'data', path: 'baseMap.baseMapLayers.*.styleUrl', kind: 'url', label: 'basemap style URL' },
    { part: 'data', path: '**.popupInfo.expressionInfos.*.expression', kind: 'code', label: 'popup Arcade expression' },
    { part: 'data', path: '**.formInfo.expressionInfos.*.expression', kind: 'code', label: 'Field Maps form expression' },
    { part: 'data', path: '**.formInfo.formElements.**', kind: 'text', label: 'Field Maps form text' },
    { part: 'data', path: '**.popupInfo.description', kind: 'text', label: 'popup text' },
    { part: 'data', path: '**.popupInfo.popupElements.*.text', kind: 'text', label: 'popup text element' },
    { part: 'data', path: '**.popupInfo.mediaInfos.*.value.*', kind: 'url', label: 'popup media URL' },
    { part: 'data', path: 'bookmarks.*.thumbnail.url', kind: 'url', label: 'bookmark thumbnail' },
    { part: 'data', path: 'applicationProperties.**', kind: 'text', label: 'application properties' }
  ],
  relationships: ['Map2Service', 'Map2FeatureCollection', 'Map2Area'],
  limitations: [
    "Offline map areas (Map2Area) are made by ArcGIS's packaging service, not the portal's REST API: they are restored as items (see Map Area), their packages are not rebuilt."
  ]
};
