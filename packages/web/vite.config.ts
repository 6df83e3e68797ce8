import { createReadStream } from 'node:fs';
import { cp, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** URL path (under the app's base) where Calcite's icons and translations are served; see src/calcite.ts. */
export const CALCITE_ASSETS_URL_PATH = 'calcite/assets';

/** Calcite's assets folder inside the installed package (icons, translations, date-picker locales). */
function calciteAssetsDir(): string {
  const packageJson = require.resolve('@esri/calcite-components/package.json');
  return path.join(path.dirname(packageJson), 'dist', 'cdn', 'assets');
}

/**
 * Serves Calcite's assets from this app instead of Esri's CDN: the server's Content-Security-Policy allows only 'self',
 * and OrgKeeper often runs behind a firewall without internet access. In dev they are served from node_modules; the
 * build copies them into dist/.
 */
function calciteLocalAssets(): Plugin {
  const source = calciteAssetsDir();
  let outDir = path.join(here, 'dist');
  let base = '/';
  return {
    name: 'orgkeeper:calcite-local-assets',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
      base = config.base;
    },
    configureServer(server) {
      const prefix = `${base}${CALCITE_ASSETS_URL_PATH}/`;
      server.middlewares.use((req, res, next) => {
        const url = req.url?.split('?')[0] ?? '';
        if (!url.startsWith(prefix)) return next();
        const relative = decodeURIComponent(url.slice(prefix.length));
        const file = path.resolve(source, relative);
        // Never serve anything outside the assets folder.
        if (!file.startsWith(source + path.sep)) return next();
        stat(file).then(
          (info) => {
            if (!info.isFile()) return next();
            res.setHeader('Content-Type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
            res.setHeader('Content-Length', info.size);
            createReadStream(file).pipe(res);
          },
          () => next()
        );
      });
    },
    async writeBundle() {
      await cp(source, path.join(outDir, CALCITE_ASSETS_URL_PATH), { recursive: true });
    }
  };
}

// Where `npm run dev` sends /api: a local `orgkeeper serve` by default.
const apiTarget = process.env.ORGKEEPER_DEV_API_URL ?? 'http://127.0.0.1:8500';

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react(), calciteLocalAssets()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Calcite's component bundle is large by nature; the warning would only be noise.
    chunkSizeWarningLimit: 2000,
    sourcemap: true,
    // dist/.vite/manifest.json maps each source module to its chunk and the chunks it imports; the end-to-end test
    // e2e/bundle-split.e2e.test.ts reads it to check what each page loads. The server never serves dot-folders.
    manifest: true,
    rolldownOptions: {
      // Copying Calcite's ~4,000 asset files dominates the build time; that is expected, not worth a warning.
      checks: { pluginTimings: false },
      output: {
        codeSplitting: {
          groups: [
            // Every page is its own chunk (app/pages.tsx loads them with React.lazy). The libraries that every visit
            // loads before any page (React, the router, TanStack Query, Calcite's runtime and the frame's elements)
            // change only when a dependency is upgraded: one chunk of their own stays in the browser's cache across
            // OrgKeeper releases, while the app's frame (index-*.js) changes with each one.
            { name: 'vendor', test: /[\\/]node_modules[\\/]/, tags: ['$initial'] }
          ]
        }
      }
    }
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: false,
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false }
    }
  },
  preview: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false }
    }
  }
});
