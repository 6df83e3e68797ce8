// Each Calcite element exists once its module is imported (`import '@esri/calcite-components/components/calcite-x'`),
// and whichever chunk of the build imports it carries its code. These rules keep every page's Calcite code in that
// page's own chunk, and the first page free of the others':
// - the frame (what main.tsx loads before any page: gates, shell, header, loaders, notices) gets its elements from
//   calcite.ts, which defines exactly the elements the frame renders. Frame modules import no Calcite element
//   themselves, so that unit tests can render them in jsdom, where Calcite's modules cannot load;
// - every other module (loaded with a page, see app/pages.tsx) imports each element it renders that the frame does
//   not define, and no element it does not render.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.dirname(fileURLToPath(import.meta.url));
const ELEMENT_MODULE = /^@esri\/calcite-components\/components\/(calcite-[a-z-]+)$/;

interface SourceModule {
  /** Path below src/, e.g. "pages/clean/clean.page.tsx". */
  file: string;
  /** Modules of src/ it imports at run time, statically (dynamic `import()` starts another chunk). */
  imports: string[];
  /** Calcite elements whose module it imports. */
  defines: string[];
  /** Calcite elements it renders. */
  renders: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

function resolveRelative(from: string, specifier: string): string | null {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      // try the next extension
    }
  }
  return null;
}

/** An import that stays in the built JavaScript: not `import type`, and not only `{ type A, type B }`. */
function loadsAtRunTime(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return true;
  if (clause.isTypeOnly) return false;
  if (clause.name) return true;
  const bindings = clause.namedBindings;
  if (!bindings || ts.isNamespaceImport(bindings)) return true;
  return bindings.elements.length === 0 || bindings.elements.some((element) => !element.isTypeOnly);
}

function readModule(full: string): SourceModule {
  const text = readFileSync(full, 'utf8');
  const source = ts.createSourceFile(full, text, ts.ScriptTarget.Latest, false, full.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const imports: string[] = [];
  const defines: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const specifier = statement.moduleSpecifier.text;
    const element = ELEMENT_MODULE.exec(specifier)?.[1];
    if (element) defines.push(element);
    else if (specifier.startsWith('.') && loadsAtRunTime(statement)) {
      const target = resolveRelative(full, specifier);
      if (target) imports.push(path.relative(SRC, target));
    }
  }
  const renders = [...new Set([...text.matchAll(/<(calcite-[a-z-]+)[\s/>]/g)].map((match) => match[1]!))];
  return { file: path.relative(SRC, full), imports, defines, renders };
}

const modules = new Map(sourceFiles(SRC).map((full) => [path.relative(SRC, full), readModule(full)]));

/** The modules main.tsx loads before any page. */
function frameModules(): Set<string> {
  const frame = new Set<string>();
  const queue = ['main.tsx'];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (frame.has(file)) continue;
    frame.add(file);
    queue.push(...(modules.get(file)?.imports ?? []));
  }
  return frame;
}

const frame = frameModules();
const frameElements = new Set(modules.get('calcite.ts')!.defines);
const sorted = (values: Iterable<string>) => [...values].sort();

describe('Calcite elements are defined where they are used', () => {
  it('finds the frame and leaves the pages out of it', () => {
    expect(frame.has('app/app-shell.tsx')).toBe(true);
    expect(frame.has('calcite.ts')).toBe(true);
    for (const page of ['pages/sign-in.page.tsx', 'pages/identities/identities.page.tsx', 'pages/clean/clean.page.tsx']) {
      expect(modules.has(page)).toBe(true);
      expect(frame.has(page)).toBe(false);
    }
  });

  it('defines in calcite.ts exactly the elements the frame renders', () => {
    const rendered = new Set([...frame].flatMap((file) => modules.get(file)?.renders ?? []));
    expect(sorted(frameElements)).toEqual(sorted(rendered));
  });

  it('imports no Calcite element in the frame outside calcite.ts', () => {
    const importing = [...frame].filter((file) => file !== 'calcite.ts' && (modules.get(file)?.defines.length ?? 0) > 0);
    expect(importing).toEqual([]);
  });

  it('has every page module import the elements it adds to the frame, and only those', () => {
    const problems: string[] = [];
    for (const module of modules.values()) {
      if (frame.has(module.file)) continue;
      for (const element of module.renders) {
        if (!frameElements.has(element) && !module.defines.includes(element)) problems.push(`${module.file} renders ${element} without importing it`);
      }
      for (const element of module.defines) {
        if (!module.renders.includes(element)) problems.push(`${module.file} imports ${element} but does not render it`);
        else if (frameElements.has(element)) problems.push(`${module.file} imports ${element}, which calcite.ts already defines`);
      }
    }
    expect(problems).toEqual([]);
  });
});
