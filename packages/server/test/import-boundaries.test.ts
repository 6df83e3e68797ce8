/**
 * The import boundaries of packages/server/src (ARCHITECTURE.md, "Layers"), enforced by eslint.config.js's
 * no-restricted-imports: shared layers (lib, db, store, arcgis, operations, ...) never import a feature, features import
 * each other only through index.ts or *.types.ts, and nothing below the composition root imports it. This test runs
 * that rule over the source, and checks that the rule itself catches each kind of break (so a config change that
 * quietly turns it off fails here, not in review).
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SRC = join(ROOT, 'packages', 'server', 'src');
const eslint = new ESLint({ cwd: ROOT, ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports' });

/** The restricted imports ESLint reports for `text` as if it were the file at `path` (relative to src). */
async function broken(path: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: join(SRC, path) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it('hold in the whole server source', async () => {
    const results = await eslint.lintFiles([join(SRC, '**/*.ts')]);
    const found = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${r.filePath}:${m.line} ${m.message}`));
    expect(results.length).toBeGreaterThan(300);
    expect(found).toEqual([]);
  }, 120_000);

  it('a shared layer may not import a feature, not even its index or its types', async () => {
    for (const [path, from] of [
      ['store/x.ts', '../identities/identity.repository.js'],
      ['arcgis/portal/x.ts', '../../backup/index.js'],
      ['operations/x.ts', '../restore/restore.types.js'],
      ['lib/x.ts', '../clean/clean.service.js'],
      ['db/x.ts', '../schedules/schedules.service.js']
    ]) {
      expect(await broken(path!, `import { a } from '${from}';\nexport const b = a;\n`), `${path} <- ${from}`).toEqual([expect.stringContaining('never import a feature')]);
    }
  });

  it('a feature may import another only through its index.ts or *.types.ts, in imports and re-exports alike', async () => {
    expect(await broken('restore/hosted/x.ts', "import { runBackup } from '../../backup/backup.engine.js';\nexport const a = runBackup;\n")).toEqual([expect.stringContaining('only through its index.ts')]);
    expect(await broken('clean/x.ts', "export { RestoreService } from '../restore/restore.service.js';\n")).toEqual([expect.stringContaining('only through its index.ts')]);
    expect(await broken('clean/fixes/x.ts', "import { storeKey } from '../../backup/index.js';\nimport type { BackupJobParams } from '../../backup/backup-request.types.js';\nexport const a: [typeof storeKey, BackupJobParams?] = [storeKey];\n")).toEqual([]);
    // Its own files are its own business.
    expect(await broken('backup/export/x.ts', "import { runBackup } from '../backup.engine.js';\nexport const a = runBackup;\n")).toEqual([]);
  });

  it('nothing below the composition root imports it or the commands', async () => {
    for (const [path, from] of [
      ['backup/x.ts', '../services.js'],
      ['operations/x.ts', '../commands/cli-io.js'],
      ['http/x.ts', '../app.js']
    ]) {
      expect(await broken(path!, `import { a } from '${from}';\nexport const b = a;\n`), `${path} <- ${from}`).toEqual([expect.stringContaining('composition root')]);
    }
  });

  it('the HTTP edge may use only the access control of auth, through auth/index.ts', async () => {
    expect(await broken('http/x.ts', "import { requireSession } from '../auth/index.js';\nexport const a = requireSession;\n")).toEqual([]);
    expect(await broken('http/x.ts', "import { SESSION_COOKIE } from '../auth/session.service.js';\nexport const a = SESSION_COOKIE;\n")).toEqual([expect.stringContaining('auth/index.ts')]);
    expect(await broken('http/x.ts', "import { a } from '../backup/index.js';\nexport const b = a;\n")).toEqual([expect.stringContaining('no feature but')]);
  });
});
