import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// This file sits at <package>/src/config/ and, compiled, at <package>/dist/config/: two levels below the package root.
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where `npm run build` puts the web app (packages/web/dist), relative to this package. */
export const defaultWebDir = resolve(packageRoot, '..', 'web', 'dist');
