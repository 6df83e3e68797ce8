import { AppError } from '../errors/app-error.js';
import { hashPassword } from '../lib/password.js';
import type { AuditService, Actor } from '../audit/audit.service.js';
import type { AppUserRow, Role } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { UserRepository } from './user.repository.js';

export const ROLES: readonly Role[] = ['admin', 'operator', 'viewer'];
export const MIN_PASSWORD_LENGTH = 12;
// scrypt's cost does not grow with length, but a cap keeps request bodies and hashing input bounded.
export const MAX_PASSWORD_LENGTH = 1024;
export const USERNAME_RULES = 'Use 3 to 64 characters: letters, digits, and . _ - @, starting with a letter or digit.';
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$/;

/** What the API shows of an account. */
export interface PublicUser {
  id: string;
  username: string;
  role: Role;
  createdAt: string;
  lastLoginAt: string | null;
}

export interface NewUserInput {
  username: string;
  password: string;
  role: Role;
}

export function usernameKey(username: string): string {
  return username.trim().normalize('NFC').toLowerCase();
}

/** The problem with a username, or null when it is acceptable. */
export function checkUsername(username: string): string | null {
  return USERNAME.test(username) ? null : USERNAME_RULES;
}

/** The problem with a new password, or null when it is acceptable. */
export function checkPassword(password: string, username?: string): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters (this one has ${length}).`;
  if (length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  if (password.trim() === '') return 'The password cannot be only spaces.';
  if (username && usernameKey(password) === usernameKey(username)) return 'The password must not be the username.';
  return null;
}

export function toPublicUser(row: AppUserRow): PublicUser {
  return { id: row.id, username: row.username, role: row.role, createdAt: row.created_at, lastLoginAt: row.last_login_at };
}

export interface UserServiceDeps {
  users: UserRepository;
  audit: AuditService;
  clock: Clock;
}

/** OrgKeeper's own accounts (not ArcGIS users). */
export class UserService {
  constructor(private readonly deps: UserServiceDeps) {}

  /** Creates an account; `validation_failed` for bad input, `conflict` when the username is taken. */
  async create(input: NewUserInput, actor: Actor, context: { ip?: string | null } = {}): Promise<PublicUser> {
    const row = await this.prepare(input);
    const created = await this.deps.users.insert(row);
    if (!created) {
      await this.deps.audit.record({
        actor,
        action: 'user.create',
        target: input.username,
        result: 'failure',
        ip: context.ip ?? null,
        details: { reason: 'username_taken', role: input.role }
      });
      throw new AppError('conflict', `An account named "${input.username}" already exists; choose another username.`, {
        fields: { username: 'This username is taken.' }
      });
    }
    await this.deps.audit.record({
      actor,
      action: 'user.create',
      target: row.username,
      result: 'success',
      ip: context.ip ?? null,
      details: { userId: row.id, role: row.role }
    });
    return toPublicUser({ ...row, last_login_at: null });
  }

  /**
   * Creates the first administrator. Refused with `conflict` once any account exists, also when two
   * first-run requests race.
   */
  async createFirstAdmin(input: { username: string; password: string }, actor: Actor, context: { ip?: string | null } = {}): Promise<PublicUser> {
    const row = await this.prepare({ ...input, role: 'admin' });
    const created = await this.deps.users.insertIfNoUsers(row);
    if (!created) {
      await this.deps.audit.record({
        actor,
        action: 'setup.create_admin',
        target: input.username,
        result: 'denied',
        ip: context.ip ?? null,
        details: { reason: 'already_set_up' }
      });
      throw new AppError('conflict', 'OrgKeeper is already set up. Sign in with an existing account.');
    }
    await this.deps.audit.record({
      actor,
      action: 'setup.create_admin',
      target: row.username,
      result: 'success',
      ip: context.ip ?? null,
      details: { userId: row.id, role: row.role }
    });
    return toPublicUser({ ...row, last_login_at: null });
  }

  async needsSetup(): Promise<boolean> {
    return (await this.deps.users.count()) === 0;
  }

  async list(): Promise<PublicUser[]> {
    return (await this.deps.users.list()).map(toPublicUser);
  }

  private async prepare(input: NewUserInput) {
    const username = input.username.trim();
    const fields: Record<string, string> = {};
    const usernameProblem = checkUsername(username);
    if (usernameProblem) fields.username = usernameProblem;
    const passwordProblem = checkPassword(input.password, username);
    if (passwordProblem) fields.password = passwordProblem;
    if (!ROLES.includes(input.role)) fields.role = `Use one of: ${ROLES.join(', ')}.`;
    if (Object.keys(fields).length > 0) throw AppError.validation(fields);

    const now = this.deps.clock().toISOString();
    return {
      id: newId(),
      username,
      username_key: usernameKey(username),
      password_hash: await hashPassword(input.password),
      role: input.role,
      created_at: now,
      updated_at: now,
      last_login_at: null,
      source: 'local' as const
    };
  }
}
