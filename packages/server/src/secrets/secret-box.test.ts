import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError } from './secret-box.js';

const key = randomBytes(32);
const box = new SecretBox(key);
const aad = 'identity:42:refresh_token';

describe('SecretBox', () => {
  it('round-trips any text and bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 500 }), fc.string({ minLength: 1, maxLength: 64 }), (text, data) => {
        expect(box.openString(box.seal(text, data), data)).toBe(text);
      }),
      { numRuns: 200 }
    );
    const bytes = randomBytes(1000);
    expect(box.open(box.seal(bytes, aad), aad)).toEqual(bytes);
  });

  it('writes the versioned format v1:<iv>:<tag>:<ciphertext> with a fresh IV each time', () => {
    const a = box.seal('same secret', aad);
    const b = box.seal('same secret', aad);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]{22}==:[A-Za-z0-9+/=]+$/);
    expect(Buffer.from(a.split(':')[1] as string, 'base64')).toHaveLength(12);
    expect(a).not.toBe(b);
    expect(a).not.toContain('same secret');
  });

  it('detects any change to IV, tag or ciphertext', () => {
    const sealed = box.seal('refresh-token-value', aad);
    const parts = sealed.split(':');
    for (const index of [1, 2, 3]) {
      const raw = Buffer.from(parts[index] as string, 'base64');
      for (let bit = 0; bit < raw.length * 8; bit += 7) {
        const flipped = Buffer.from(raw);
        flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
        const altered = [...parts];
        altered[index] = flipped.toString('base64');
        expect(() => box.open(altered.join(':'), aad)).toThrow(SecretBoxError);
      }
    }
  });

  it('refuses a secret moved to another row or purpose (associated data)', () => {
    const sealed = box.seal('p@ssw0rd', 'identity:1:password');
    expect(() => box.open(sealed, 'identity:2:password')).toThrow(/belongs to another record/);
    expect(() => box.open(sealed, 'identity:1:refresh_token')).toThrow(SecretBoxError);
  });

  it('refuses a secret sealed with another master key', () => {
    const other = new SecretBox(randomBytes(32));
    expect(() => other.open(box.seal('x', aad), aad)).toThrow(SecretBoxError);
  });

  it('rejects malformed input with a clear error', () => {
    expect(() => box.open('plain text', aad)).toThrow(/Not a sealed secret/);
    expect(() => box.open('v2:a:b:c', aad)).toThrow(/Not a sealed secret/);
    expect(() => box.open('v1:!!!:b:c', aad)).toThrow(/malformed/);
    const [v, iv, tag] = box.seal('x', aad).split(':');
    expect(() => box.open(`${v}:${iv}:${tag?.slice(4)}:AAAA`, aad)).toThrow(/malformed/);
  });

  it('needs a 32-byte key and associated data', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
    expect(() => box.seal('x', '')).toThrow(/associated data/);
  });
});
