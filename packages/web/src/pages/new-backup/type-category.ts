// ArcGIS item types grouped into a few families, so the map can colour blocks by what they are.

export type TypeCategory = 'map' | 'layer' | 'app' | 'file' | 'other';

export const CATEGORY_LABELS: Record<TypeCategory, string> = {
  map: 'Maps and scenes',
  layer: 'Layers and services',
  app: 'Apps',
  file: 'Files',
  other: 'Other'
};

const FILES = /^(CSV|Shapefile|PDF|Microsoft (Excel|Word|PowerPoint)|File Geodatabase|GeoJSON|GeoPackage|KML|Image|Service Definition|Code Sample|Layer Package|Map Package|Tile Package|Vector Tile Package|Scene Package|Mobile Map Package|Desktop Application|Project Package|CAD Drawing|Visio Document|iWork .*)$/i;

export function typeCategory(type: string): TypeCategory {
  if (/^Web (Map|Scene)$|^Map Area$/i.test(type)) return 'map';
  if (/(Service|Layer|Collection|Table)$/i.test(type) && !FILES.test(type)) return 'layer';
  if (/Application|App$|Dashboard|StoryMap|Story Map|Experience|Site|Page|Form|Notebook|Solution|QuickCapture|Survey/i.test(type)) return 'app';
  if (FILES.test(type) || /File|Package|Document/i.test(type)) return 'file';
  return 'other';
}
