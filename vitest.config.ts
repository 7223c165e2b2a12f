import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The workspace packages from their TypeScript sources (tsconfig `paths`); their `exports` name the built JS.
  resolve: { tsconfigPaths: true },
  test: {
    include: ['apps/*/test/**/*.test.ts', 'apps/*/e2e/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    globalSetup: ['apps/backend/test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
