import { defineConfig } from 'vitest/config';

// One test run for the whole workspace: unit tests next to the code, integration and end-to-end
// tests under each package's test/ folder. Servers started by tests bind to 127.0.0.1 on free ports.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'packages/web/e2e/**/*.e2e.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    reporters: ['default']
  }
});
