import { defineConfig } from 'vitest/config';
import { ingestWorkerDefine } from './scripts/ingest-worker-define.mjs';

export default defineConfig({
  // The ingest thread's code, as the hosts' build defines it (src/main/core/ingest/ingest-thread.ts).
  define: await ingestWorkerDefine(),
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: more workers only fight over them and make timing-based tests flaky.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
