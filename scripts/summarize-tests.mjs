// Prints one closing line over every vitest run of scripts/test-all.sh, in the plain form CI reads:
//   tests: N passed, N failed, N skipped
import { existsSync, readFileSync } from 'node:fs';

const files = ['test-results/vitest.json', 'test-results/vitest-hardening.json', 'test-results/vitest-daemon.json'].filter((f) => existsSync(f));
let passed = 0, failed = 0, skipped = 0;
for (const f of files) {
  const r = JSON.parse(readFileSync(f, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
