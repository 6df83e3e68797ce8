import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, verifyPassword } from './password.js';

// Cheaper parameters keep the suite fast; the format and comparison are the same.
const fast = { ln: 10, r: 8, p: 1 };

describe('password hashing', () => {
  it('verifies the right password and rejects others', async () => {
    const hash = await hashPassword('correct horse battery staple', fast);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('stores its parameters and a random salt with the hash, never the password', async () => {
    const a = await hashPassword('same password here', fast);
    const b = await hashPassword('same password here', fast);
    expect(a).toMatch(/^scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('same password');
  });

  it('uses the default (strong) parameters unless told otherwise', async () => {
    const hash = await hashPassword('default parameters');
    expect(hash.startsWith('scrypt$ln=15,r=8,p=1$')).toBe(true);
    expect(needsRehash(hash)).toBe(false);
    expect(needsRehash(await hashPassword('weak', fast))).toBe(true);
  });

  it('treats Unicode compositions of the same password alike', async () => {
    const hash = await hashPassword('caf\u00e9-password-1', fast);
    expect(await verifyPassword('cafe\u0301-password-1', hash)).toBe(true);
  });

  it('never matches a malformed or absurd stored hash', async () => {
    expect(await verifyPassword('x', 'plaintext')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$ln=40,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==')).toBe(false);
    expect(needsRehash('garbage')).toBe(true);
  });
});
