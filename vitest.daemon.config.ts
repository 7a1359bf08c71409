import { defineConfig } from 'vitest/config';
import { ingestWorkerDefine } from './scripts/ingest-worker-define.mjs';

// The real-daemon tier (npm run test:daemon): slow start-up, one file at a time.
export default defineConfig({
  // The ingest thread's code, as the hosts' build defines it (src/main/core/ingest/ingest-thread.ts).
  define: await ingestWorkerDefine(),
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
