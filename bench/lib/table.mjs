// The benchmark's table: each figure beside its target (issues 5 and 7) and whether it was met.
// A missed target is reported, never an error: speed depends on the machine.

const fmt = (v, digits = 0) =>
  v === null || v === undefined || Number.isNaN(v) ? 'n/a' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mark = (ok) => (ok === null ? '' : ok ? 'met' : 'MISSED');

export function printTable(r) {
  const t = r.throughput;
  const q = r.ratios;
  const w = r.window ?? {};
  const rows = [
    ['(a) dispatcher, concurrency 1, in order', `${fmt(t.dispatcher)} ev/s`, '', null],
    ['(a) without the start-up warm-up (cold process)', `${fmt(t.dispatcherCold)} ev/s`, '', null],
    ['(b) bare undici request() loop, one at a time', `${fmt(t.undici)} ev/s`, '', null],
    ["(b') bare undici dispatch() loop, one at a time", `${fmt(t.dispatch)} ev/s`, '', null],
    ['(c) Go reference stand-in*', t.go ? `${fmt(t.go)} ev/s` : 'skipped', '', null],
    [`parallel, concurrency ${t.parallelConcurrency}`, `${fmt(t.parallel)} ev/s`, '', null],
    ['(a)/(b)', fmt(q.dispatcherOverUndici, 2), '>= 0.90', q.dispatcherOverUndici >= 0.9],
    ["(a)/(b')", fmt(q.dispatcherOverDispatch, 2), '', null],
    ['(a)/(c)', q.dispatcherOverGo === null ? 'n/a' : fmt(q.dispatcherOverGo, 2), '>= 1.00', q.dispatcherOverGo === null ? null : q.dispatcherOverGo >= 1],
    ['(a) cold/(c)', q.dispatcherColdOverGo == null ? 'n/a' : fmt(q.dispatcherColdOverGo, 2), '', null],
    ['CPU per event: dispatcher / Go stand-in', t.cpuUsPerEvent ? `${fmt(t.cpuUsPerEvent.dispatcher, 1)} / ${fmt(t.cpuUsPerEvent.go, 1)} µs` : 'n/a', '', null],
    ['CPU per event, dispatcher/Go (below 1: less CPU)', fmt(q.dispatcherCpuOverGo, 2), '', null],
    [`bare undici loop, ${t.parallelConcurrency} in flight`, `${fmt(t.undiciParallel)} ev/s`, '', null],
    ['parallel/(a)', fmt(q.parallelOverDispatcher, 2), '>= 3.00', q.parallelOverDispatcher >= 3],
    ['bare: parallel/one at a time (the ceiling here)', fmt(q.undiciParallelOverUndici, 2), '', null],
    ['latency enqueue->start p50 @1,000/s', `${fmt(r.latency.p50Ms, 3)} ms`, '', null],
    ['latency enqueue->start p99 @1,000/s', `${fmt(r.latency.p99Ms, 3)} ms`, '< 2 ms', r.latency.p99Ms < 2],
    ['  meanwhile: event-loop delay p99 / GC pause max', `${fmt(r.latency.loopDelayP99Ms, 1)} / ${fmt(r.latency.gcMaxMs, 1)} ms`, '', null],
    ['  cold first event (fresh process, first connection)', `${fmt(r.latency.coldFirstMs, 1)} ms`, '', null],
    [`ingest accepted (${r.ingest.connections} conns)`, `${fmt(r.ingest.perSecond)} POST/s`, '', null],
    [`memory heap after ${fmt(r.memory.events)} ev (GC)`, `${fmt(r.memory.heapMB, 1)} MB`, 'flat', r.memory.flat],
    ['memory RSS', `${fmt(r.memory.rssMB, 1)} MB`, '', null],
    ['start-up to listening (median)', `${fmt(r.startupMs)} ms`, '', null],
    ...issue17Rows(r),
    ['window longest task while events flow', w.skipped ? 'skipped' : `${fmt(w.longestTaskMs)} ms`, '<= 100 ms', w.skipped ? null : w.longestTaskMs <= 100],
    ['window long tasks (> 50 ms) while events flow', w.skipped ? 'skipped' : fmt(w.longTasks), '', null],
    ['window longest task opening the page', w.skipped ? 'skipped' : `${fmt(w.openingLongestTaskMs)} ms`, '', null],
    ['window max log rows in DOM', w.skipped ? 'skipped' : fmt(w.maxRows), '< 200', w.skipped ? null : w.maxRows < 200],
    ['window JS heap (max seen)', w.skipped ? 'skipped' : `${fmt(w.heapMB, 1)} MB`, 'bounded', null],
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => String(row[i]).length)));
  const line = (cells) => `${cells.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join('  ')}\n`;
  process.stdout.write(`\nPilot Webhook Desktop benchmark (${r.mode}, ${r.machine.cpus} CPUs, Node ${r.machine.node})\n\n`);
  for (const row of rows) process.stdout.write(line([row[0], row[1], row[2], mark(row[3])]));
  process.stdout.write(`\n* ${t.goLabel}\n`);
  process.stdout.write(`Throughput: median of ${t.rounds} alternated runs of ${fmt(t.events)} events. Results: bench/results.json\n`);
}

/** Issue 17's rows: the daemon's hop, slow receivers, end-to-end latency, footprint. */
function issue17Rows(r) {
  const rows = [];
  const h = r.hop;
  if (h && !h.skipped) {
    rows.push(['hop: Go stand-in -> bare receiver, no drop for ' + h.seconds + ' s', `${fmt(h.bare)} ev/s`, '', null]);
    rows.push(['hop: Go stand-in -> ingest with outbox, no drop', `${fmt(h.outbox)} ev/s`, '', null]);
    rows.push(['hop: outbox/bare', fmt(h.ratio, 2), '>= 0.80', h.ratio >= 0.8]);
  } else if (h) {
    rows.push(['hop', `skipped (${h.skipped})`, '>= 0.80', null]);
  }
  const s = r.slow;
  if (s) {
    rows.push([`slow receiver (${s.delayMs} ms): concurrency 1 / ${s.concurrency}`, `${fmt(s.serial, 1)} / ${fmt(s.parallel, 1)} ev/s`, '', null]);
    rows.push([`slow receiver: concurrency ${s.concurrency} / 1`, fmt(s.ratio, 2), '>= 7.00', s.ratio >= 7]);
    rows.push(['slow receiver: out of order at concurrency 1', fmt(s.serialOutOfOrder), '0', s.serialOutOfOrder === 0]);
  }
  const e = r.latency?.endToEnd;
  if (e) {
    for (const rate of Object.keys(e)) {
      const a = e[rate].app;
      rows.push([`end to end (ingest -> receiver) p50 / p99 @${fmt(Number(rate))}/s`, `${fmt(a.p50Ms, 2)} / ${fmt(a.p99Ms, 2)} ms`, 'p99 < 5 ms', a.p99Ms < 5]);
      const d = e[rate].direct;
      rows.push([`  same sender straight to the receiver @${fmt(Number(rate))}/s`, `${fmt(d.p50Ms, 2)} / ${fmt(d.p99Ms, 2)} ms`, '', null]);
    }
  }
  const f = r.footprint;
  if (f) {
    rows.push(['idle CPU, linked daemon' + (f.idleSeconds ? ` (${f.idleSeconds} s)` : ''), f.idleCpuPercent === null ? 'full run only' : `${fmt(f.idleCpuPercent, 2)} %`, '', null]);
    rows.push(['RSS idle / after 100,000 events', `${fmt(f.idleRssMB, 1)} / ${f.rssAfter100kMB === null ? 'full run only' : `${fmt(f.rssAfter100kMB, 1)} MB`}`, '', null]);
    const b = f.bigEvents;
    if (b) rows.push([`RSS, ${b.events} x 1 MiB events, hanging receiver`, `${fmt(b.rssBeforeMB, 1)} -> ${fmt(b.rssPeakMB, 1)} MB peak`, 'bounded', null]);
  }
  return rows;
}
