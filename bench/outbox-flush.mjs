#!/usr/bin/env node
// The outbox's batched database write, timed with WAL checkpoints on the worker thread (the app's)
// and with SQLite's auto-checkpoint inside the commit (before), alternated, ROUNDS each: how long
// one flush of 50 events blocks the event loop. See bench/workers/outbox-flush.ts.
// Usage: node bench/outbox-flush.mjs [rounds] [batches]
import { bundleForBench, OUT, workerSource } from './lib/bundle.mjs';
import { runWorker } from './lib/processes.mjs';

const ROUNDS = Number(process.argv[2] ?? 3);
const BATCHES = String(process.argv[3] ?? 400);
await bundleForBench([workerSource('outbox-flush')]);
for (let round = 1; round <= ROUNDS; round++) {
  for (const checkpoints of ['auto', 'worker']) {
    const r = await runWorker(OUT, 'outbox-flush', ['--checkpoints', checkpoints, '--batches', BATCHES]);
    const ms = (x) => `p50 ${x.p50Ms.toFixed(2)} p99 ${x.p99Ms.toFixed(2)} max ${x.maxMs.toFixed(2)} ms`;
    process.stdout.write(`round ${round} checkpoints ${checkpoints.padEnd(6)} flush ${ms(r.flush)} | db write ${ms(r.dbWrite)} | journal truncate ${ms(r.journalClear)}\n`);
  }
}
