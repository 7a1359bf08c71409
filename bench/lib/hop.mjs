// The daemon's hop (issue 17, goal 1): the Go stand-in at the plugin's settings (one worker, one
// keep-alive connection, Emit never waits, 1,024 queue) posts at a fixed rate into
//   (a) the bare Node receiver (bench/receiver.mjs), and
//   (b) the app's ingest (the headless host with its durable outbox, delivering to that receiver),
// and the figure is the highest rate at which the sender drops nothing for `seconds`.
//
// Search: a fast probe (the stand-in as fast as answers come) gives each target's capacity C;
// then a bisection between a rate known to pass and one known to fail, starting around C. The
// trials alternate (a), (b), (a), (b)… so the shared machine's drift hits both alike. Before
// EVERY trial, of either target, the host is given time to deliver what it accepted (its outbox
// may hold a backlog): a trial of (b) starts from an idle app, and a trial of (a) is not slowed by
// the host still posting the last trial's backlog to the same receiver on the same cores (it was:
// that made (a) look worse and the ratio better than it is).

/** Lowest rate tried at all: below this the answer is "the app cannot keep up with anything". */
const FLOOR_RATE = 100;

/** `drainMs`: how long the host may take to deliver its backlog between trials. */
export async function measureHop({ goBin, receiverUrl, host, runJson, seconds, steps, probeEvents, drainMs, log }) {
  const ingestUrl = (await host.state()).ingest.url;
  const idleHost = async () => {
    const deadline = Date.now() + drainMs;
    while ((await host.state()).stats.queued > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  };
  const targets = {
    bare: { url: receiverUrl, settle: idleHost },
    outbox: { url: ingestUrl, settle: idleHost },
  };
  const trials = [];
  const paced = async (name, rate) => {
    await targets[name].settle();
    const r = await runJson(goBin, ['-url', targets[name].url, '-rate', String(Math.round(rate)), '-seconds', String(seconds), '-warmup', '200']);
    const ok = r.dropped === 0 && r.failed === 0;
    trials.push({ target: name, rate: Math.round(rate), dropped: r.dropped, failed: r.failed, maxQueued: r.maxQueued, ok });
    log(`hop ${name} @ ${Math.round(rate)}/s for ${seconds} s: dropped ${r.dropped}, deepest queue ${r.maxQueued}`);
    return ok;
  };

  const probe = {};
  for (const name of ['bare', 'outbox']) {
    await targets[name].settle();
    probe[name] = (await runJson(goBin, ['-url', targets[name].url, '-n', String(probeEvents)])).eventsPerSec;
  }
  // [pass, fail] brackets per target; pass 0 = nothing passed yet.
  const bracket = { bare: [0, probe.bare * 1.5], outbox: [0, probe.outbox * 1.5] };
  const first = { bare: probe.bare, outbox: probe.outbox };
  for (let i = 0; i < steps; i++) {
    for (const name of ['bare', 'outbox']) {
      const [pass, fail] = bracket[name];
      const rate = i === 0 ? first[name] : pass === 0 ? Math.max(FLOOR_RATE, fail / 2) : (pass + fail) / 2;
      if (await paced(name, rate)) bracket[name][0] = rate;
      else bracket[name][1] = rate;
    }
  }
  await targets.outbox.settle();
  const bare = Math.round(bracket.bare[0]);
  const outbox = Math.round(bracket.outbox[0]);
  return {
    bare,
    outbox,
    ratio: bare > 0 ? outbox / bare : null,
    seconds,
    probe: { bareEventsPerSec: probe.bare, outboxEventsPerSec: probe.outbox },
    /** the first rate known to drop, per target: the answer lies between it and the figure */
    firstFailing: { bare: Math.round(bracket.bare[1]), outbox: Math.round(bracket.outbox[1]) },
    trials,
  };
}
