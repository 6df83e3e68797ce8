// A page's folder (src/pages/<page>/) is that page's own: no other page imports its files, and it imports none of
// theirs. What two pages share lives in components/, lib/, api/ or app/, which never import a page (app/pages.tsx only
// loads them on demand). This keeps each page's chunk its own, and a page's internals free to change.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.dirname(fileURLToPath(import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.(tsx?|css)$/.test(entry.name) ? [full] : [];
  });
}

/** The page folder a file is in ("clean" for pages/clean/x.tsx), or null outside pages/<page>/. */
const pageOf = (file: string) => /^pages\/([^/]+)\//.exec(path.relative(SRC, file).split(path.sep).join('/'))?.[1] ?? null;

/** Static imports (`import ... from './x'`, `import './x.css'`) that point inside src/. Dynamic `import()` is not one. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*import\s+(?:[^'"]*?\s+from\s+)?['"](\.[^'"]+)['"]/gm)].map((match) => path.resolve(path.dirname(file), match[1]!));
}

describe('page folders', () => {
  it('import nothing from another page, and nothing outside pages/ imports a page statically', () => {
    const problems: string[] = [];
    for (const file of sources(SRC).filter((f) => !/\.test\.tsx?$/.test(f))) {
      const from = pageOf(file);
      for (const target of relativeImports(file)) {
        const to = pageOf(target);
        if (to !== null && to !== from) problems.push(`${path.relative(SRC, file)} imports ${path.relative(SRC, target)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('sees the imports it checks', () => {
    expect(relativeImports(path.join(SRC, 'pages/clean/clean.page.tsx')).map((target) => path.relative(SRC, target))).toContain('pages/clean/clean-home');
    expect(pageOf(path.join(SRC, 'pages/clean/clean-home.tsx'))).toBe('clean');
    expect(pageOf(path.join(SRC, 'pages/sign-in.page.tsx'))).toBeNull();
  });
});
