import { defineConfig } from 'vitest/config';

// Each test file gets its own database (see test/helpers/database.ts), so files run in parallel
// and never reset shared state. TEST_DATABASE_URL switches from PGlite copies to real Postgres.
export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS build for Pothos and Yoga; vite would hand our sources the .mjs build,
    // and graphql refuses to mix the two ("another module or realm").
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
