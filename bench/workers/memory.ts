// Memory worker (run with --expose-gc): the whole app core (createController: dispatcher, bounded
// delivery log, push batcher, ingest) with its webhook URL on a refused port, fed --events
// daemon events as fast as the loop allows. The queue fills, the rest is dropped and counted.
// Heap (after a full GC) and RSS are sampled at each quarter; the accounting invariant is
// checked at the end, before and after close().

import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createController } from '../../src/main/core/controller';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { unaccounted, type Stats } from '../../src/shared/delivery';
import { fail, flags, report, sampleEvent } from './common';

/** Events submitted per turn of the event loop: the workers, timers and pushes get to run between. */
const BATCH = 1000;
/** Longer than the controller's 100 ms push interval, so batched records have been let go. */
const SETTLE_MS = 250;
const MB = 1024 * 1024;

const f = flags(process.argv.slice(2));
const events = f.num('events', 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc ?? fail('run with --expose-gc');

/** A port nothing listens on: bound, then closed, so connecting is refused at once. */
async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const dataDir = mkdtempSync(join(tmpdir(), 'pilot-bench-mem-'));
const opened = openConfStore(dataDir);
const controller = await createController({
  settings: new SettingsService(opened.kv, opened.warnings),
  runOverrides: { url: `http://127.0.0.1:${await refusedPort()}/hook` },
  daemon: { enabled: false, socketPath: null },
});

const sample = async (at: number): Promise<{ events: number; heapMB: number; rssMB: number }> => {
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  gc();
  const m = process.memoryUsage();
  return { events: at, heapMB: m.heapUsed / MB, rssMB: m.rss / MB };
};

const samples = [await sample(0)];
const quarter = events / 4;
let submitted = 0;
let peakRssMB = 0;
while (submitted < events) {
  const end = Math.min(events, submitted + BATCH);
  while (submitted < end) controller.accept(sampleEvent(++submitted), 'daemon');
  await new Promise((r) => setImmediate(r));
  if (submitted % quarter === 0) {
    const s = await sample(submitted);
    peakRssMB = Math.max(peakRssMB, s.rssMB);
    samples.push(s);
  }
}

const before: Stats = controller.getState().stats;
await controller.close();
const after: Stats = controller.getState().stats;
rmSync(dataDir, { recursive: true, force: true });
if (before.received !== events || unaccounted(before) !== 0 || unaccounted(after) !== 0 || after.queued !== 0) {
  fail(`memory accounting: before close ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
}
const firstQuarter = samples[1]!;
const last = samples[samples.length - 1]!;
const growthMB = last.heapMB - firstQuarter.heapMB;
report({
  events,
  samples,
  heapMB: last.heapMB,
  rssMB: last.rssMB,
  peakRssMB,
  growthMB,
  // Flat: no more than 2 MB (or 5 %) more heap at the end than after the first quarter, when the
  // queue (1,024) and the log (5,000) were long full.
  flat: growthMB <= Math.max(2, firstQuarter.heapMB * 0.05),
  statsBeforeClose: before,
  statsAfterClose: after,
});
process.exit(0);
