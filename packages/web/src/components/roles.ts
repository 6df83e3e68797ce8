// What the signed-in OrgKeeper account may do, by role (the server enforces the same rules).
import type { SessionUser } from '../api/auth.api';

export function canOperate(user: SessionUser): boolean {
  const role = user.role.toLowerCase();
  return role === 'admin' || role === 'administrator' || role === 'operator';
}
