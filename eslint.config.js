import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Import boundaries of packages/server/src (ARCHITECTURE.md, "Layers"). ESLint's own no-restricted-imports with one
// regex per folder: no plugin needed for "folder X may not import folder Y", and its message says what to do instead.
const SERVER = 'packages/server/src';
/** Features: each owns its routes, services, jobs and repositories. */
const FEATURES = ['auth', 'users', 'identities', 'backup', 'restore', 'clean', 'schedules', 'notifications', 'content-map', 'store-maintenance', 'metrics', 'health'];
/** Shared layers under the features: they never import a feature, the composition root or the commands. */
const SHARED = ['lib', 'errors', 'config', 'logging', 'secrets', 'db', 'store', 'arcgis', 'audit', 'operations'];
const COMPOSITION = ['commands/', '(?:services|app|server|cli|worker|demo)\\.js$'];
const notTests = ['**/*.test.ts', '**/testing/**'];
const folders = (names) => `^(?:\\.\\./)+(?:${names.join('|')})`;
/** A feature's public module: its index.ts, and its Node-free *.types.ts files (the web app imports those too). */
const internals = (names) => `${folders(names)}/(?!index\\.js$)(?![\\w.-]+\\.types\\.js$)`;
const boundaries = [
  {
    files: SHARED.map((folder) => `${SERVER}/${folder}/**/*.ts`),
    ignores: notTests,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: `${folders(FEATURES)}/`, message: 'Shared layers (lib, db, store, arcgis, operations, ...) never import a feature: move what both need down into a shared module, or pass it in (ARCHITECTURE.md).' },
          { regex: folders(COMPOSITION), message: 'Shared layers never import the composition root or the commands: take what you need in the constructor.' }
        ]
      }]
    }
  },
  {
    files: [`${SERVER}/http/**/*.ts`],
    ignores: notTests,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: `${folders(FEATURES.filter((f) => f !== 'auth'))}/`, message: 'The HTTP edge imports no feature but the access control of auth (through auth/index.ts).' },
          { regex: internals(['auth']), message: 'Import auth through auth/index.ts.' },
          { regex: folders(COMPOSITION), message: 'The HTTP edge never imports the composition root or the commands.' }
        ]
      }]
    }
  },
  ...FEATURES.map((feature) => ({
    files: [`${SERVER}/${feature}/**/*.ts`],
    ignores: notTests,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: internals(FEATURES.filter((f) => f !== feature)), message: `A feature imports another only through its index.ts or its *.types.ts files; export what ${feature}/ needs there, or move shared knowledge down into a shared module (ARCHITECTURE.md).` },
          { regex: folders(COMPOSITION), message: 'Features never import the composition root or the commands: take what you need in the constructor or the job context.' }
        ]
      }]
    }
  }))
];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'data/**', '**/.vite/**', 'packages/web/public/**']
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node }
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'smart']
    }
  },
  ...boundaries,
  {
    files: ['packages/web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } }
  },
  {
    files: ['**/*.test.ts', 'scripts/**', '**/bench/**', '**/cli.ts', '**/*.command.ts'],
    rules: { 'no-console': 'off' }
  }
);
