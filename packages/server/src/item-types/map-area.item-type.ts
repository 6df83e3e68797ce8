/**
 * Map Area: an offline area of a web map (Map2Area from the map), with its packages (Area2Package) made by ArcGIS's
 * packaging service (OfflinePackaging GPServer: CreateMapArea, SetupMapArea).
 */
import type { ItemTypeSpec } from './item-type.types.js';

export const mapArea: ItemTypeSpec = {
  key: 'map-area',
  label: 'Map Area',
  types: ['Map Area'],
  rank: 3,
  parts: { data: 'json', describe: ['data: the area (extent or geometry, scales, refresh schedule)'] },
  references: [],
  relationships: ['Map2Area', 'Area2Package', 'Area2CustomPackage'],
  limitations: [
    "Map areas and their packages are made by ArcGIS's packaging service (CreateMapArea, SetupMapArea), not the portal's REST API: the item is restored as it was, but its packages hold the source's data and are not rebuilt. Recreate the area from the restored web map (Field Maps Designer, Offline) to refresh them."
  ]
};
