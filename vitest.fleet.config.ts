import { defineConfig } from 'vitest/config';
import { ingestWorkerDefine } from './scripts/ingest-worker-define.mjs';

// Fleet mode on a real 3-server NATS cluster (npm run test:fleet): several headless processes per
// test, so one file at a time.
export default defineConfig({
  // The ingest thread's code, as the hosts' build defines it (src/main/core/ingest/ingest-thread.ts).
  define: await ingestWorkerDefine(),
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
