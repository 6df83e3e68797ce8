// The built app is split by page (app/pages.tsx registers each page with React.lazy): the first page a visitor sees
// loads the frame and its own chunks, never the code of the other pages. Checked twice: in the build's chunk graph
// (dist/.vite/manifest.json), and in headless Chromium by the scripts the sign-in page and the home page request.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from './support/fixtures';
import { WEB_DIST } from './support/start-server';
import { ADMIN, signInWithForm, waitForPath } from './support/ui';

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}
type Manifest = Record<string, ManifestChunk>;

const SIGN_IN = 'src/pages/sign-in.page.tsx';
const SETUP = 'src/pages/setup.page.tsx';
const IDENTITIES = 'src/pages/identities/identities.page.tsx';
const CLEAN = 'src/pages/clean/clean.page.tsx';
const RESTORE = 'src/pages/restore/restore.page.tsx';
const IDENTITY_FORM = 'src/pages/identities/identity-form-dialog.tsx';

async function readManifest(): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(WEB_DIST, '.vite', 'manifest.json'), 'utf8')) as Manifest;
}

/** The files a chunk loads before it runs: itself and its static imports, transitively. */
function staticClosure(manifest: Manifest, key: string): Set<string> {
  const files = new Set<string>();
  const visit = (at: string) => {
    const chunk = manifest[at];
    if (!chunk) throw new Error(`The manifest has no chunk ${at}.`);
    if (files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  visit(key);
  return files;
}

/** Page modules (src/pages/**\/*.page.tsx), each loaded on demand, with the chunk file that holds it. */
function pageChunks(manifest: Manifest): Map<string, string> {
  return new Map(
    Object.entries(manifest)
      .filter(([key, chunk]) => chunk.isDynamicEntry && /^src\/pages\/.*\.page\.tsx$/.test(key))
      .map(([key, chunk]) => [key, chunk.file])
  );
}

const ENTRY = 'index.html';

/** The pages whose chunk is among `files`. */
function pagesIn(pages: Map<string, string>, files: Iterable<string>): string[] {
  const loaded = new Set(files);
  return [...pages].filter(([, file]) => loaded.has(file)).map(([page]) => page).sort();
}

async function bytesOf(files: Iterable<string>): Promise<number> {
  let total = 0;
  for (const file of files) total += (await stat(path.join(WEB_DIST, file))).size;
  return total;
}

describe('the build', () => {
  test('puts every page in a chunk of its own that loads no other page', async () => {
    const manifest = await readManifest();
    const pages = pageChunks(manifest);
    expect([...pages.keys()]).toEqual(expect.arrayContaining([SIGN_IN, SETUP, IDENTITIES, CLEAN, RESTORE]));
    expect(new Set(pages.values()).size).toBe(pages.size);

    // The frame (gates, shell, loaders) holds no page.
    expect(pagesIn(pages, staticClosure(manifest, ENTRY))).toEqual([]);
    // Each page's own chunk graph holds that page only: opening it loads no other page's code.
    for (const page of pages.keys()) expect(pagesIn(pages, staticClosure(manifest, page))).toEqual([page]);
    // The identity dialogs (Calcite's dialog brings a drag-and-resize library) load when first opened.
    expect(staticClosure(manifest, IDENTITIES).has(manifest[IDENTITY_FORM]!.file)).toBe(false);
  });
});

describe('in the browser', () => {
  test.override({ serverOptions: { accounts: [{ ...ADMIN, role: 'admin' }] } });

  test('the sign-in page and the home page after it load their own chunks and no other page', async ({ app }) => {
    const { page } = app;
    const manifest = await readManifest();
    const pages = pageChunks(manifest);
    const origin = new URL(app.server.url).origin;
    const scripts = () =>
      app.requests
        .filter((url) => url.startsWith(`${origin}/assets/`) && url.endsWith('.js'))
        .map((url) => new URL(url).pathname.slice(1));

    await app.open('/sign-in');
    await page.getByRole('heading', { name: 'Sign in to OrgKeeper' }).waitFor();
    await page.waitForLoadState('networkidle');
    const signInScripts = new Set(scripts());
    expect(pagesIn(pages, signInScripts)).toEqual([SIGN_IN]);
    // Nothing beyond the frame's and the sign-in page's chunk graphs.
    const signInGraph = new Set([...staticClosure(manifest, ENTRY), ...staticClosure(manifest, SIGN_IN)]);
    expect([...signInScripts].filter((file) => !signInGraph.has(file))).toEqual([]);

    await signInWithForm(page, ADMIN);
    await waitForPath(page, '/identities');
    await page.getByRole('heading', { name: 'Manage Identities' }).waitFor();
    await page.waitForLoadState('networkidle');
    const homeScripts = new Set(scripts().filter((file) => !signInScripts.has(file)));
    expect(pagesIn(pages, homeScripts)).toEqual([IDENTITIES]);
    const homeGraph = staticClosure(manifest, IDENTITIES);
    expect([...homeScripts].filter((file) => !homeGraph.has(file))).toEqual([]);

    console.log(
      `JS loaded: sign-in page ${signInScripts.size} files, ${await bytesOf(signInScripts)} bytes; ` +
        `home page after sign-in ${homeScripts.size} more files, ${await bytesOf(homeScripts)} more bytes; ` +
        `the whole build ${await bytesOf(new Set(Object.values(manifest).map((chunk) => chunk.file).filter((file) => file.endsWith('.js'))))} bytes.`
    );

    // The other pages still load when opened.
    await page.getByRole('menuitem', { name: 'Clean' }).click();
    await waitForPath(page, '/clean');
    await page.getByRole('heading', { name: 'Clean', exact: true }).waitFor();
    expect(pagesIn(pages, scripts())).toEqual([CLEAN, IDENTITIES, SIGN_IN]);
    expect(app.browserErrors).toEqual([]);
  });
});
