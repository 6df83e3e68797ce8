import type { ScanType } from '../clean.types.js';
import { scanBrokenLinks } from './broken-links.scan.js';
import { scanDuplicates } from './duplicates.scan.js';
import { scanGroups } from './groups.scan.js';
import { scanInactiveUsers } from './inactive-users.scan.js';
import { scanMissingMetadata } from './missing-metadata.scan.js';
import { scanOverShared } from './over-shared.scan.js';
import type { ScanFunction } from './scan-context.js';
import { scanStaleItems } from './stale-items.scan.js';
import { scanStorage } from './storage.scan.js';
import { scanTextSearch } from './text-search.scan.js';

export const SCANS: Record<ScanType, ScanFunction> = {
  'stale-items': scanStaleItems,
  'inactive-users': scanInactiveUsers,
  'broken-links': scanBrokenLinks,
  'text-search': scanTextSearch,
  'missing-metadata': scanMissingMetadata,
  'over-shared': scanOverShared,
  duplicates: scanDuplicates,
  groups: scanGroups,
  storage: scanStorage
};

export type { ScanContext, ScanOutput, ScanProgress, ViewCount } from './scan-context.js';
