// An outage of a real loopback receiver (503 for OUTAGE_S seconds, then 200) while events keep
// arriving: how many were injected and how many were delivered with no manual action, in durable
// mode with a fast schedule and the plugin's breaker (5 failures, 30 s cool-down). Prints figures;
// asserts only the accounting invariant. Wall time is the outage plus the drain.
//
//   OUTAGE_S=30  npx vitest run --config bench/outage.config.ts
//   OUTAGE_S=600 npx vitest run --config bench/outage.config.ts
import { it, expect } from 'vitest';
import { DeliveryLog } from '../src/main/core/delivery/delivery-log';
import { Dispatcher } from '../src/main/core/delivery/dispatcher';
import { parseRetrySchedule } from '../src/main/core/delivery/retry-schedule';
import { unaccounted } from '../src/shared/delivery';
import { startReceiver, waitUntil } from '../test/fixtures/receiver';

const OUTAGE_S = Number(process.env.OUTAGE_S ?? 30);
const SCHEDULE = process.env.SCHEDULE ?? '1s,2s,5s,10s,20s,30s,30s,30s,30s,30s,30s,30s,30s,30s,30s,30s,30s,30s,30s,30s,30s,30s,30s,30s,30s';
/** events per second injected, during the outage and for 5 s after it */
const RATE = 2;

it(`outage of ${OUTAGE_S} s, schedule ${SCHEDULE}`, async () => {
  const schedule = parseRetrySchedule(SCHEDULE);
  if (!schedule.ok) throw new Error(schedule.message);
  const rx = await startReceiver({ reply: { status: 503 } });
  const d = new Dispatcher({ url: rx.url, outbox: true, durable: true, retrySchedule: schedule.value, maxEventAgeMs: 24 * 3_600_000 }, new DeliveryLog({ capacity: 100_000 }));
  let injected = 0;
  let maxRetrying = 0;
  let maxHeld = 0;
  const t0 = Date.now();
  const inject = setInterval(() => {
    d.submit({ event: 'tunnel.established', data: { n: ++injected } }, 'daemon');
    maxRetrying = Math.max(maxRetrying, d.stats().retrying);
    maxHeld = Math.max(maxHeld, d.breaker().held);
    expect(unaccounted(d.stats())).toBe(0);
  }, 1000 / RATE);
  await new Promise((r) => setTimeout(r, OUTAGE_S * 1000));
  rx.reply({ status: 200 });
  const back = Date.now();
  await new Promise((r) => setTimeout(r, 5000));
  clearInterval(inject);
  await waitUntil(() => d.stats().queued === 0, 'drained', 3_600_000);
  const s = d.stats();
  const line = `outage ${OUTAGE_S} s: injected ${injected}, delivered ${s.delivered}, failed ${s.failed}, skipped ${s.circuitSkips}, ` +
    `drained ${((Date.now() - back) / 1000).toFixed(1)} s after the receiver came back (wall ${((Date.now() - t0) / 1000).toFixed(0)} s), ` +
    `max waiting for a later attempt ${maxRetrying}, max held by the breaker ${maxHeld}, receiver requests ${rx.requests.length}`;
  process.stdout.write(`${line}\n`);
  expect(unaccounted(s)).toBe(0);
  await d.close();
  await rx.close();
});
