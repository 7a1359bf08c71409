import { defineConfig } from 'vitest/config';

// The hardening suite (hostile input, URL bypass at the sender, a 60 s chaos run): its own run
// (npm run test:hardening) so the chaos run does not share the two cores with timing-sensitive
// tests of the main suite.
export default defineConfig({
  test: {
    include: ['test/hardening/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: more workers only fight over them and make timing-based tests flaky.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest-hardening.json' },
  },
});
