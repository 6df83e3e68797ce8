/**
 * Vector Tile Service: a hosted vector tile layer (type keyword "Hosted Service", URL `.../VectorTileServer`, made
 * from a hosted feature layer: Service2Service from that layer) or a custom style of any vector tile layer. The style
 * is the resource `styles/root.json` (`sources.*.url`, `sprite`, `glyphs`); sprites and fonts are resources too.
 */
import type { ItemTypeSpec } from './item-type.types.js';

const STYLES = /^(styles|info)\//i;

export const vectorTileService: ItemTypeSpec = {
  key: 'vector-tile-service',
  label: 'Vector tile layer or style',
  types: ['Vector Tile Service'],
  rank: 1,
  parts: { data: 'json', describe: ['item URL: the VectorTileServer', 'resources: styles/root.json (the style), styles/*, info/* (sprites, fonts, root.json)'] },
  references: [
    { part: 'resource', resources: STYLES, path: 'sources.*.url', kind: 'url', label: 'style source (tile service)' },
    { part: 'resource', resources: STYLES, path: 'sprite', kind: 'url', label: 'style sprite' },
    { part: 'resource', resources: STYLES, path: 'glyphs', kind: 'url', label: 'style glyphs' },
    { part: 'data', path: 'sources.*.url', kind: 'url', label: 'style source (tile service)' }
  ],
  relationships: ['Service2Service', 'Service2Style'],
  limitations: [
    "The tiles are not in the snapshot and OrgKeeper does not build them: a hosted vector tile layer made from a hosted feature layer is restored as its item, style and Service2Service link; rebuild its tiles from the restored feature layer in ArcGIS (the item's Settings, 'Rebuild tiles', or publish the feature layer again as a vector tile layer). Until then its URL names a tile service the target does not have."
  ]
};
