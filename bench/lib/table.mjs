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
    ['(b) bare undici request() loop, one at a time', `${fmt(t.undici)} ev/s`, '', null],
    ["(b') bare undici dispatch() loop, one at a time", `${fmt(t.dispatch)} ev/s`, '', null],
    ['(c) Go reference stand-in*', t.go ? `${fmt(t.go)} ev/s` : 'skipped', '', null],
    [`parallel, concurrency ${t.parallelConcurrency}`, `${fmt(t.parallel)} ev/s`, '', null],
    ['(a)/(b)', fmt(q.dispatcherOverUndici, 2), '>= 0.90', q.dispatcherOverUndici >= 0.9],
    ["(a)/(b')", fmt(q.dispatcherOverDispatch, 2), '', null],
    ['(a)/(c)', q.dispatcherOverGo === null ? 'n/a' : fmt(q.dispatcherOverGo, 2), '>= 1.00', q.dispatcherOverGo === null ? null : q.dispatcherOverGo >= 1],
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
