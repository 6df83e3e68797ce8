/**
 * Hosted feature layer (Feature Service): the service is restored by the hosted-service module; the item's `/data`
 * holds layer overrides (popups with Arcade, drawing info) that may name other items and services.
 */
import type { ItemTypeSpec } from './item-type.types.js';

export const hostedFeatureLayer: ItemTypeSpec = {
  key: 'hosted-feature-layer',
  label: 'Feature layer',
  types: ['Feature Service'],
  rank: 0,
  parts: { data: 'json', describe: ['the service (definitions, features, attachments)', 'data: layer overrides {layers: [{id, popupInfo, layerDefinition}]}'] },
  references: [
    { part: 'data', path: '**.popupInfo.expressionInfos.*.expression', kind: 'code', label: 'popup Arcade expression' },
    { part: 'data', path: '**.popupInfo.description', kind: 'text', label: 'popup text' }
  ],
  relationships: ['Service2Data', 'Service2Layer', 'Service2Service'],
  limitations: []
};
