// Sleep without Electron (the headless host): a machine that slept shows as a jump of the wall
// clock between two ticks of a timer. On a jump, delivery attempts wait a short grace for the
// network to come back instead of being used up against a receiver that is not the problem.

/** How often the clock is looked at. */
export const CLOCK_TICK_MS = 5000;

/** A tick this much later than due means the process (and usually the machine) was stopped. */
export const CLOCK_JUMP_MS = 30_000;

/** After a jump, attempts wait this long: the network usually needs a few seconds after a wake-up. */
export const JUMP_GRACE_MS = 3000;

export interface ClockWatchOptions {
  tickMs?: number;
  jumpMs?: number;
  graceMs?: number;
  now?: () => number;
}

/** Calls onSuspended(true) on a clock jump and onSuspended(false) after the grace; returns stop. */
export function watchClockJumps(onSuspended: (suspended: boolean) => void, opts: ClockWatchOptions = {}): () => void {
  const tickMs = opts.tickMs ?? CLOCK_TICK_MS;
  const jumpMs = opts.jumpMs ?? CLOCK_JUMP_MS;
  const now = opts.now ?? Date.now;
  let last = now();
  let grace: NodeJS.Timeout | null = null;
  const tick = setInterval(() => {
    const t = now();
    const late = t - last - tickMs;
    last = t;
    if (late < jumpMs) return;
    onSuspended(true);
    if (grace) clearTimeout(grace);
    grace = setTimeout(() => {
      grace = null;
      onSuspended(false);
    }, opts.graceMs ?? JUMP_GRACE_MS);
    grace.unref();
  }, tickMs);
  // Housekeeping: it must not keep a headless process alive.
  tick.unref();
  return () => {
    clearInterval(tick);
    if (grace) clearTimeout(grace);
  };
}
