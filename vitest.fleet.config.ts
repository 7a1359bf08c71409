import { defineConfig } from 'vitest/config';

// Fleet mode on a real 3-server NATS cluster (npm run test:fleet): several headless processes per
// test, so one file at a time.
export default defineConfig({
  test: {
    include: ['test/fleet/**/*.test.ts'],
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest-fleet.json' },
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
