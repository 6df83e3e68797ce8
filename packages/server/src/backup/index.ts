/**
 * What other features may use of backup. Features import each other only through their index.ts and their *.types.ts
 * files (eslint.config.js enforces it; ARCHITECTURE.md says why).
 */
export { backupIdentity, storeKey } from './backup-identity.js';
export { backupBeforeChange } from './backup.job.js';
export type { SnapshotIndexTables } from './snapshot-index.repository.js';
export type { SnapshotBrowser } from './snapshot-browser.service.js';
