/** Feature Collection: features stored in the item (`/data` `layers[]` with `layerDefinition`, `featureSet`, `popupInfo`). */
import type { ItemTypeSpec } from './item-type.types.js';

export const featureCollection: ItemTypeSpec = {
  key: 'feature-collection',
  label: 'Feature Collection',
  types: ['Feature Collection'],
  rank: 1,
  parts: { data: 'json', describe: ['data: {layers: [{layerDefinition, featureSet, popupInfo}]}'] },
  references: [
    { part: 'data', path: 'layers.*.popupInfo.description', kind: 'text', label: 'popup text' },
    { part: 'data', path: 'layers.*.popupInfo.expressionInfos.*.expression', kind: 'code', label: 'popup Arcade expression' },
    { part: 'data', path: 'layers.*.layerDefinition.drawingInfo.**.url', kind: 'url', label: 'symbol image' }
  ],
  relationships: ['Map2FeatureCollection'],
  limitations: []
};
