/**
 * What the rest of the server may use of auth: the access control the HTTP edge (http/) applies to every route.
 * Features import each other only through their index.ts and their *.types.ts files (eslint.config.js enforces it).
 */
export { requiredRole, requireSession } from './access-control.js';
export type { AuthContext } from './auth-context.js';
