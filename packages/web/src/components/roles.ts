// What the signed-in OrgKeeper account may do, by role (the server enforces the same rules).
import type { SessionUser } from '../api/auth.api';

/** Administrators manage identities, accounts and settings. */
export function isAdmin(user: SessionUser): boolean {
  const role = user.role.toLowerCase();
  return role === 'admin' || role === 'administrator';
}

/** Operators and administrators run work: backups, restores, scans, fixes, tests of identities. */
export function canOperate(user: SessionUser): boolean {
  return isAdmin(user) || user.role.toLowerCase() === 'operator';
}
