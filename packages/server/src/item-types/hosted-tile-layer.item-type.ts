/** Hosted tile layer: a Map Service with the "Hosted Service" type keyword, made from a hosted feature layer (Service2Service). */
import type { ItemTypeSpec } from './item-type.types.js';

export const hostedTileLayer: ItemTypeSpec = {
  key: 'hosted-tile-layer',
  label: 'Hosted tile layer',
  types: ['Map Service'],
  keywords: (k) => k.includes('Hosted Service'),
  rank: 1,
  parts: { data: 'json', describe: ['item URL: the tiled MapServer', 'data: layer overrides (popups), when any'] },
  references: [{ part: 'data', path: '**.popupInfo.expressionInfos.*.expression', kind: 'code', label: 'popup Arcade expression' }],
  relationships: ['Service2Service'],
  limitations: [
    "The tiles are not in the snapshot and OrgKeeper does not build them: the item and its Service2Service link are restored; rebuild the tiles from the restored feature layer in ArcGIS (the item's Settings, 'Rebuild tiles', or publish the feature layer again as a tile layer). Until then its URL names a tile service the target does not have."
  ]
};
