import { defineConfig } from 'vitest/config';
import base from './vitest.config';

// The hardening suite (hostile input, URL bypass at the sender, a 60 s chaos run): its own run
// (npm run test:hardening) so the chaos run does not share the two cores with timing-sensitive
// tests of the main suite. Same options as the main suite otherwise.
export default defineConfig({
  define: base.define,
  test: {
    ...base.test,
    include: ['test/hardening/**/*.test.ts'],
    outputFile: { json: 'test-results/vitest-hardening.json' },
  },
});
