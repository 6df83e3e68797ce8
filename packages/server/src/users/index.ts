/**
 * What other features may use of users. Features import each other only through their index.ts and their *.types.ts
 * files (eslint.config.js enforces it; ARCHITECTURE.md says why).
 */
export type { UserRepository } from './user.repository.js';
export { MAX_PASSWORD_LENGTH, ROLES, usernameKey, type UserService } from './user.service.js';
