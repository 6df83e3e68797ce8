/**
 * Issue 11, part 4: the login limit cannot be raced. Each attempt is reserved in the database (one
 * statement that checks the limit and records the attempt) before the slow password hash, so
 * parallel guesses cannot all pass the check before any of them is counted. Issue 17: the same on
 * PostgreSQL, where the reservation holds locks on the username and the address.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AuthService } from '../src/auth/auth.service.js';
import { scryptVerifier, type PasswordVerifier } from '../src/lib/password.js';
import { AppError } from '../src/errors/app-error.js';
import { createLogger } from '../src/logging/logger.js';
import { createServices } from '../src/services.js';
import { manualClock, startTestServer, type TestServer } from './support/server-harness.js';
import { describeEachDatabase, type TestDatabases } from './support/test-databases.js';

const PASSWORD = 'correct horse battery staple';
const CLIENT = { ip: '203.0.113.7' };
const WINDOW_MS = 15 * 60_000;

/** The real scrypt verifier, counting every hash it evaluates. */
function countingVerifier(): PasswordVerifier & { evaluations: number } {
  const counter = {
    evaluations: 0,
    async verify(password: string, stored: string) {
      counter.evaluations++;
      return scryptVerifier.verify(password, stored);
    },
    async verifyDummy(password: string) {
      counter.evaluations++;
      return scryptVerifier.verifyDummy(password);
    }
  };
  return counter;
}

/** Real services on a real database (closed by the suite), with an AuthService whose password checks are counted. */
async function authWithCounter(databases: TestDatabases) {
  const db = await databases.open();
  const clock = manualClock();
  const services = createServices({ db, logger: createLogger({ level: 'silent' }), clock });
  for (const username of ['admin', 'other']) {
    await services.users.create({ username, password: PASSWORD, role: 'admin' }, { kind: 'system', name: 'test' });
  }
  const passwords = countingVerifier();
  const auth = new AuthService({
    users: services.repositories.users,
    userService: services.users,
    sessions: services.sessions,
    throttle: services.throttle,
    audit: services.audit,
    clock,
    passwords
  });
  return { auth, passwords, clock, services };
}

/** The error code a login ends with, or 'ok'. */
const outcome = (attempt: Promise<unknown>) =>
  attempt.then(
    () => 'ok',
    (error: unknown) => (error instanceof AppError ? error.code : `unexpected: ${String(error)}`)
  );

const tally = (codes: string[]) => codes.reduce<Record<string, number>>((all, c) => ({ ...all, [c]: (all[c] ?? 0) + 1 }), {});

describeEachDatabase('login throttling', (databases) => {
  describe('login throttling under concurrent attempts', () => {
    it('evaluates at most the limit of 150 concurrent wrong passwords for one account', async () => {
      const { auth, passwords, clock, services } = await authWithCounter(databases);
      expect(services.throttle.maxFailuresPerUsername).toBe(5);

      const codes = await Promise.all(
        Array.from({ length: 150 }, (_, i) => outcome(auth.login({ username: i % 2 ? 'admin' : 'ADMIN', password: `wrong-${i}` }, CLIENT)))
      );
      expect(passwords.evaluations).toBe(5);
      expect(tally(codes)).toEqual({ invalid_credentials: 5, throttled: 145 });

      // The right password is refused too, without a hash, until the window has passed.
      expect(await outcome(auth.login({ username: 'admin', password: PASSWORD }, CLIENT))).toBe('throttled');
      clock.advance(WINDOW_MS - 1000);
      expect(await outcome(auth.login({ username: 'admin', password: PASSWORD }, CLIENT))).toBe('throttled');
      expect(passwords.evaluations).toBe(5);

      // Another account (same address, well under the address limit) is not affected.
      expect(await outcome(auth.login({ username: 'other', password: PASSWORD }, CLIENT))).toBe('ok');

      clock.advance(1000);
      expect(await outcome(auth.login({ username: 'admin', password: PASSWORD }, CLIENT))).toBe('ok');
      expect(passwords.evaluations).toBe(7);
    });

    it('evaluates at most the address limit of 150 concurrent guesses at 150 different usernames', async () => {
      const { auth, passwords, services } = await authWithCounter(databases);
      const codes = await Promise.all(Array.from({ length: 150 }, (_, i) => outcome(auth.login({ username: `user${i}`, password: 'guess' }, CLIENT))));
      expect(passwords.evaluations).toBe(services.throttle.maxFailuresPerIp);
      expect(tally(codes)).toEqual({ invalid_credentials: 20, throttled: 130 });
      // Another address is not affected.
      expect(await outcome(auth.login({ username: 'admin', password: PASSWORD }, { ip: '198.51.100.1' }))).toBe('ok');
    });

    it('counts an attempt whose password is right as a failure only until it succeeds', async () => {
      const { auth, passwords } = await authWithCounter(databases);
      // Four wrong and the right one in parallel: all five evaluated, the right one signs in.
      const codes = await Promise.all([
        ...Array.from({ length: 4 }, (_, i) => outcome(auth.login({ username: 'admin', password: `wrong-${i}` }, CLIENT))),
        outcome(auth.login({ username: 'admin', password: PASSWORD }, CLIENT))
      ]);
      expect(tally(codes)).toEqual({ invalid_credentials: 4, ok: 1 });
      expect(passwords.evaluations).toBe(5);
    });
  });

  describe('login throttling over HTTP', () => {
    let server: TestServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it('lets at most 5 of 150 concurrent wrong passwords be checked, and audits the rest as throttled', async () => {
      server = await startTestServer({ admin: { username: 'admin', password: PASSWORD }, clock: manualClock(), flags: await databases.serverFlags() });
      const client = server.client();
      const statuses = await Promise.all(
        Array.from({ length: 150 }, (_, i) => client.post('/api/auth/login', { username: 'admin', password: `wrong-${i}` }).then((r) => r.status))
      );
      expect(tally(statuses.map(String))).toEqual({ '401': 5, '429': 145 });
      const { events } = await server.server.services.audit.list({ limit: 200 });
      const logins = events.filter((e) => e.action === 'auth.login');
      expect(logins.filter((e) => e.result === 'failure')).toHaveLength(5);
      expect(logins.filter((e) => e.result === 'denied')).toHaveLength(145);
      expect((await client.post('/api/auth/login', { username: 'admin', password: PASSWORD })).status).toBe(429);
    });
  });
});
