// Runs the outage measurement only (bench/outage.test.ts): `npx vitest run --config bench/outage.config.ts`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['bench/outage.test.ts'], testTimeout: 3_600_000, pool: 'forks' },
});
