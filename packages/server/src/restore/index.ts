/**
 * What other features may use of restore. Features import each other only through their index.ts and their *.types.ts
 * files (eslint.config.js enforces it; ARCHITECTURE.md says why).
 */
export { extractReferences, type ItemReference } from './references.js';
export { packageTexts } from './survey-package.js';
export type { RestoreService } from './restore.service.js';
