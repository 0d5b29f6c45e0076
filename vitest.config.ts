import { defineConfig } from 'vitest/config';

// One run covers unit tests beside the code and cross-package tests in test/.
// Cross-package tests spawn real processes, so they get generous hook timeouts;
// nothing here measures speed (that lives in bench/).
export default defineConfig({
  test: {
    include: ['client-sdk/src/**/*.test.ts', 'sidecar/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
