/** Packages of offline map areas and other packages: files in `/data`, related to their area by Area2Package. */
import type { ItemTypeSpec } from './item-type.types.js';

export const offlinePackage: ItemTypeSpec = {
  key: 'offline-package',
  label: 'Offline package',
  types: ['SQLite Geodatabase', 'Vector Tile Package', 'Tile Package', 'Mobile Map Package', 'Compact Tile Package'],
  rank: 1,
  parts: { data: 'file', describe: ['data: the package file'] },
  references: [],
  relationships: ['Area2Package'],
  limitations: ['Packages of a map area are restored as files of the source data: refresh them by recreating the map area.']
};
