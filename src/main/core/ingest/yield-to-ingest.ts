// The main thread (delivery, records, the window's API) gives the ingest thread precedence for the
// CPU. On a machine with fewer free cores than busy threads, the scheduler shares the cores evenly,
// so a main thread with a backlog of deliveries took half the time the ingest needed to answer the
// daemon — and the daemon, which posts one event at a time, filled its own queue and dropped
// events. Deliveries can wait a little (they are in the outbox); the daemon's queue cannot.
//
// Linux keeps a nice value per thread, and setpriority() on "this process" (0) sets the calling
// thread's only: the ingest thread, started before, keeps the host's priority. Elsewhere the call
// lowers the whole process, which changes nothing between its threads and is left out.

import { getPriority, setPriority } from 'node:os';

/**
 * How much nicer than the ingest thread the main thread is: 5 steps give it about a third of the
 * ingest thread's share of a contended core (each step is a factor of about 1.25), and nothing
 * changes while a core is free.
 */
export const MAIN_THREAD_NICE_STEPS = 5;
/** The least favoured nice value Linux knows. */
const NICEST = 19;

let lowered = false;

/**
 * Lowers the calling (main) thread's priority once per process, relative to what it was (so a
 * host already run nice, e.g. by systemd, keeps its place).
 */
export function yieldToIngestThread(): void {
  if (lowered || process.platform !== 'linux') return;
  lowered = true;
  try {
    setPriority(Math.min(NICEST, getPriority() + MAIN_THREAD_NICE_STEPS));
  } catch {
    // Not fatal: everything works at any priority; only the daemon's bursts fare worse.
  }
}
