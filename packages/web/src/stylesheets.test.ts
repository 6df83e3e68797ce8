// Each page's stylesheet loads with that page's chunk, so a page opened first sees only the frame's stylesheets
// (main.tsx: styles.css, components/shared-controls.css) and its own. These tests keep it so: a page's stylesheet
// styles only that page's markup, and a shared stylesheet the frame does not load is imported by every page using it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.dirname(fileURLToPath(import.meta.url));

function files(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return files(full, pattern);
    return pattern.test(entry.name) ? [path.relative(SRC, full)] : [];
  });
}

const read = (file: string) => readFileSync(path.join(SRC, file), 'utf8');

/** The classes each rule of a stylesheet is scoped by: those of the first compound selector (`.a.b` in `.a.b .c`). */
function scopes(css: string): string[][] {
  const found: string[][] = [];
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const [, selectors] of text.matchAll(/([^{}]+)\{/g)) {
    for (const selector of selectors!.split(',')) {
      const first = /^\s*((?:\.[a-zA-Z][\w-]*)+)/.exec(selector);
      if (first) found.push(first[1]!.split('.').filter(Boolean));
    }
  }
  return found;
}

/** The text of string and template literals in an expression, without the template literals' interpolations. */
function literalText(expression: string): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < expression.length; i++) {
    const char = expression[i]!;
    if (quote === null) {
      if (char === "'" || char === '"' || char === '`') quote = char;
      continue;
    }
    if (char === quote) {
      quote = null;
      out += ' ';
    } else if (quote === '`' && char === '$' && expression[i + 1] === '{') {
      // An interpolation: its own literals count (`${on ? 'tm-on' : ''}`); what it computes is unknown here.
      const start = i + 2;
      let depth = 0;
      for (i++; i < expression.length; i++) {
        if (expression[i] === '{') depth++;
        else if (expression[i] === '}' && --depth === 0) break;
      }
      out += ` ${literalText(expression.slice(start, i))} `;
    } else out += char;
  }
  return out;
}

/** The class names a module's markup uses: className="a b", or the literal text in className={...}. */
function usedClasses(source: string): Set<string> {
  const classes = new Set<string>();
  for (const match of source.matchAll(/className=("[^"]*"|\{)/g)) {
    let value = match[1]!;
    if (value === '{') {
      let depth = 1;
      let end = match.index + match[0].length;
      for (; end < source.length && depth > 0; end++) {
        if (source[end] === '{') depth++;
        else if (source[end] === '}') depth--;
      }
      value = literalText(source.slice(match.index + match[0].length, end - 1));
    }
    for (const name of value.replace(/"/g, ' ').split(/\s+/)) if (/^[a-zA-Z][\w-]*$/.test(name)) classes.add(name);
  }
  return classes;
}

const modules = files(SRC, /\.tsx$/).map((file) => ({ file, source: read(file), classes: usedClasses(read(file)) }));
const pageFolder = (file: string) => /^pages\/([^/]+)\//.exec(file)?.[1] ?? null;

describe('stylesheets and the split by page', () => {
  it("styles in a page's stylesheet only that page's markup", () => {
    const problems: string[] = [];
    for (const sheet of files(path.join(SRC, 'pages'), /\.css$/)) {
      const folder = pageFolder(sheet);
      for (const scope of scopes(read(sheet))) {
        for (const module of modules) {
          if (scope.every((name) => module.classes.has(name)) && pageFolder(module.file) !== folder) problems.push(`${sheet} styles .${scope.join('.')}, which ${module.file} uses`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('imports a shared stylesheet that the frame does not load in every page that uses it', () => {
    const main = read('main.tsx');
    const problems: string[] = [];
    for (const sheet of files(path.join(SRC, 'components'), /\.css$/)) {
      if (main.includes(`'./${sheet}'`)) continue;
      const classes = new Set(scopes(read(sheet)).flat());
      const importers = new Set(modules.filter((module) => module.source.includes(`/${path.basename(sheet)}'`)).map((module) => pageFolder(module.file)));
      for (const module of modules) {
        const uses = [...classes].filter((name) => module.classes.has(name));
        if (uses.length > 0 && !importers.has(pageFolder(module.file))) problems.push(`${module.file} uses .${uses[0]} of ${sheet} without importing it`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('sees the classes it checks', () => {
    // The parsers above find what they look for; otherwise the tests above would pass on nothing.
    expect(scopes(read('pages/logs/logs.css'))).toContainEqual(['logs-page']);
    expect(scopes('.a.b .c, .d:hover { x: 1 }')).toEqual([['a', 'b'], ['d']]);
    expect(modules.find((module) => module.file === 'pages/logs/logs.page.tsx')?.classes.has('logs-page')).toBe(true);
    expect(usedClasses('<a className={`tm-block tm-${kind}${on ? \' tm-on\' : \'\'}`} />')).toEqual(new Set(['tm-block', 'tm-', 'tm-on']));
    expect(usedClasses('<a className={busy ? "table-scroll is-loading" : "table-scroll"} />')).toEqual(new Set(['table-scroll', 'is-loading']));
  });
});
