/**
 * Issue 12: no file over 400 lines and no function over 80 lines without a reason written at its top. A long
 * function or file whose comments already name its phases is split into those phases; one that reads best whole (a
 * flat table, a format and its checks side by side) says so in a line `Kept long: <why>` in the comment at its top
 * (the file's first comment; the comment right above the function, or above the declaration that holds it).
 *
 * Checked in the server folders whose long functions and files have been gone through (add a folder once its own are),
 * and in the whole web app (packages/web/src, components and hooks alike).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');
const WEB_SRC = join(import.meta.dirname, '..', '..', 'web', 'src');
const CHECKED_FOLDERS = ['backup', 'restore', 'schedules', 'identities', 'notifications', 'commands', 'store', 'lib'];
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;
const REASON = /\bKept long: \w/;

/** What is too long in one source file and gives no reason. */
function tooLong(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line + 1;
  const commentsAt = (pos: number) => (ts.getLeadingCommentRanges(text, pos) ?? []).map((range) => text.slice(range.pos, range.end)).join('\n');
  const found: string[] = [];
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > MAX_FILE_LINES && !REASON.test(commentsAt(0))) found.push(`${fileName}: ${lines} lines`);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const length = lineOf(node.end) - lineOf(node.getStart(source)) + 1;
      if (length > MAX_FUNCTION_LINES) {
        // The comment above the function, or above the declaration that holds it (`const f = () => ...`).
        const holders = [node, node.parent, node.parent?.parent, node.parent?.parent?.parent].filter((n): n is ts.Node => n !== undefined && lineOf(n.getStart(source)) === lineOf(node.getStart(source)));
        if (!holders.some((holder) => REASON.test(commentsAt(holder.getFullStart())))) found.push(`${fileName}:${lineOf(node.getStart(source))} ${functionName(node)}: ${length} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function functionName(node: ts.SignatureDeclaration): string {
  if (node.name) return node.name.getText();
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) return parent.name.getText();
  return '(anonymous function)';
}

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && !e.name.endsWith('.contract.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => !path.split(/[\\/]/).includes('testing'));
}

describe('code size', () => {
  it(`no file over ${MAX_FILE_LINES} lines and no function over ${MAX_FUNCTION_LINES} lines without a "Kept long:" reason`, async () => {
    const found: string[] = [];
    let files = 0;
    for (const folder of CHECKED_FOLDERS) {
      for (const path of await sourceFiles(join(SRC, folder))) {
        files++;
        found.push(...tooLong(relative(SRC, path), await readFile(path, 'utf8')));
      }
    }
    expect(files).toBeGreaterThan(100);
    let webFiles = 0;
    for (const path of await sourceFiles(WEB_SRC)) {
      webFiles++;
      found.push(...tooLong(join('web', relative(WEB_SRC, path)), await readFile(path, 'utf8')));
    }
    expect(webFiles).toBeGreaterThan(100);
    expect(found, `Split these into named phases or modules, or say why they stay long in a line "Kept long: <why>" at their top:\n${found.join('\n')}`).toEqual([]);
  });

  describe('the check itself', () => {
    const body = (lines: number) => Array.from({ length: lines }, (_, i) => `  total += ${i};`).join('\n');

    it('finds a long function declaration, method and arrow function', () => {
      const text = [
        `function plain() {\n${body(85)}\n}`,
        `class Runner {\n  run() {\n${body(85)}\n  }\n}`,
        `export const arrow = () => {\n${body(85)}\n};`
      ].join('\n');
      expect(tooLong('x.ts', text)).toEqual([expect.stringContaining('plain: 87 lines'), expect.stringContaining('run: 87 lines'), expect.stringContaining('arrow: 87 lines')]);
    });

    it('accepts a reason right above the function or above the declaration holding it', () => {
      const text = [`/** Kept long: one flat table. */\nfunction plain() {\n${body(85)}\n}`, `// Kept long: one flat table.\nexport const arrow = () => {\n${body(85)}\n};`].join('\n');
      expect(tooLong('x.ts', text)).toEqual([]);
    });

    it('does not take a reason somewhere else: inside the function, above another one, or without words after it', () => {
      const inside = `function plain() {\n  // Kept long: no, this is inside.\n${body(85)}\n}`;
      const elsewhere = `/** Kept long: said of short(). */\nfunction short() {}\n\nfunction plain() {\n${body(85)}\n}`;
      const empty = `/** Kept long: */\nfunction plain() {\n${body(85)}\n}`;
      for (const text of [inside, elsewhere, empty]) expect(tooLong('x.ts', text)).toEqual([expect.stringContaining('plain')]);
    });

    it('reads React components (.tsx) too', () => {
      const jsx = Array.from({ length: 85 }, (_, i) => `      <p>{${i}}</p>`).join('\n');
      expect(tooLong('x.tsx', `export function Page() {\n  return (\n    <div>\n${jsx}\n    </div>\n  );\n}\n`)).toEqual([expect.stringContaining('Page: 91 lines')]);
    });

    it('finds a long file unless its first comment gives the reason', () => {
      const lines = Array.from({ length: 405 }, (_, i) => `export const v${i} = ${i};`).join('\n');
      expect(tooLong('long.ts', lines)).toEqual(['long.ts: 405 lines']);
      expect(tooLong('long.ts', `/**\n * A table.\n * Kept long: one entry per line.\n */\n${lines}`)).toEqual([]);
      expect(tooLong('long.ts', `${lines}\n/** Kept long: too late, not at the top. */`)).toEqual(['long.ts: 406 lines']);
    });
  });
});
