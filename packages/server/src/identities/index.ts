/**
 * What other features may use of identities. Features import each other only through their index.ts and their
 * *.types.ts files (eslint.config.js enforces it; ARCHITECTURE.md says why).
 */
export type { ArcGISSessionFactory, SessionForOptions } from './arcgis-session-factory.js';
export { checkFileLocation } from './file-location.js';
export type { IdentityRepository } from './identity.repository.js';
export type { IdentityStores } from './identity-stores.js';
export { preflightAuthorize } from './portal-client.js';
export { redirectUriMessage } from './sign-in-problems.js';
