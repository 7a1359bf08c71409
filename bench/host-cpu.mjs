// CPU per event of the headless host's threads while the Go stand-in posts serially into its
// ingest (issue 17, goal 1): what the hop's ratio is made of, a figure the machine's load disturbs
// less than a rate (waiting for a core costs wall time, not CPU time). From /proc/<pid>/task/*/stat.
//   node bench/host-cpu.mjs [--headless dist/main/headless.js] [--events 20000] [--no-url] [--no-outbox] [--cpu-prof DIR]
// Prints the rate and, per thread that ran, user and system µs per event. --cpu-prof: the host
// also writes a V8 profile per thread (main, ingest, checkpoint) into DIR (bench/profile-summary.mjs). Needs the bench's Go
// stand-in (.cache/bench/go-standin: run `npm run bench -- --quick --only hop` once).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT, RECEIVER, HEADLESS } from './lib/bundle.mjs';
import { runJson, startHost, startReceiver } from './lib/processes.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const headless = opt('--headless', HEADLESS);
const events = Number(opt('--events', '20000'));
/** Events posted first, not counted: the JIT, the connections and the database's first pages. */
const WARM_UP = 5000;
/** Linux clock ticks per second in /proc/<pid>/stat (getconf CLK_TCK). */
const CLK_TCK = 100;
const GO = join(OUT, 'go-standin');

function threads(pid) {
  return Object.fromEntries(
    readdirSync(`/proc/${pid}/task`).map((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of the line; here (after "pid (comm) ") 12 and 13.
      return [`${tid} ${comm}`, [Number(f[11]), Number(f[12])]];
    }),
  );
}

const receiver = await startReceiver(RECEIVER);
const profDir = opt('--cpu-prof', null);
const host = await startHost(headless, {
  url: argv.includes('--no-url') ? undefined : receiver.url,
  args: argv.includes('--no-outbox') ? ['--no-outbox'] : [],
  nodeArgs: profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [],
});
try {
  const ingestUrl = (await host.state()).ingest.url;
  const idle = async () => {
    while ((await host.state()).stats.queued > 0) await new Promise((r) => setTimeout(r, 50));
  };
  await runJson(GO, ['-url', ingestUrl, '-n', String(WARM_UP), '-warmup', '1000']);
  await idle();
  const before = threads(host.pid);
  const r = await runJson(GO, ['-url', ingestUrl, '-n', String(events), '-warmup', '0']);
  await idle();
  const after = threads(host.pid);
  const perThread = {};
  for (const [name, [u, s]] of Object.entries(after)) {
    const [u0, s0] = before[name] ?? [0, 0];
    if (u - u0 + s - s0 === 0) continue;
    const us = (ticks) => Math.round(((ticks / CLK_TCK) * 1e6) / events);
    perThread[name] = { userUs: us(u - u0), sysUs: us(s - s0) };
  }
  process.stdout.write(`${JSON.stringify({ eventsPerSec: Math.round(r.eventsPerSec), goCpuUsPerEvent: r.cpuUsPerEvent, perThread })}\n`);
} finally {
  await host.stop();
  await receiver.stop();
}
