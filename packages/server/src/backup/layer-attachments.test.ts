import { describe, expect, it } from 'vitest';
import { isSafeRelativePath } from '../store/index.js';
import { attachmentFileName, attachmentIdentity } from './layer-attachments.js';

describe('attachmentFileName', () => {
  it('keeps safe names as ArcGIS gives them', () => {
    expect(attachmentFileName('photo 1.jpg', 7)).toBe('photo 1.jpg');
    expect(attachmentFileName('Überprüfung.pdf', 7)).toBe('Überprüfung.pdf');
  });

  it('makes unsafe names safe, never escaping the folder', () => {
    for (const name of ['../../etc/passwd', 'a/b.jpg', 'C:\\x.jpg', 'con', 'what?.png', 'x\u0000y.txt', '', '..', '   ', null, 42]) {
      const safe = attachmentFileName(name, 9);
      expect(isSafeRelativePath(safe), `${String(name)} -> ${safe}`).toBe(true);
      expect(safe).not.toMatch(/[\\/]/);
    }
    expect(attachmentFileName('..', 9)).toBe('attachment-9');
    expect(attachmentFileName('a/b.jpg', 9)).toBe('a_b.jpg');
  });
});

describe('attachmentIdentity', () => {
  it('treats empty and absent metadata alike and tells a changed size apart', () => {
    const base = { id: 1, name: 'a.jpg', size: 10, contentType: 'image/jpeg' };
    expect(attachmentIdentity(5, { ...base, keywords: '', globalId: '' })).toBe(attachmentIdentity(5, base));
    expect(attachmentIdentity(5, { ...base, size: 11 })).not.toBe(attachmentIdentity(5, base));
  });
});
