import { defineConfig } from 'vitest/config';

// The real-daemon tier (npm run test:daemon): slow start-up, one file at a time.
export default defineConfig({
  test: {
    include: ['test/daemon/**/*.test.ts'],
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest-daemon.json' },
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
});
