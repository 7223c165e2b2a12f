import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['apps/*/test/**/*.test.ts', 'apps/*/e2e/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    globalSetup: ['apps/backend/test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
