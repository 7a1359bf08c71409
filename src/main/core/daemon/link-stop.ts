// Stopping the link. Delivery is handed back to the daemon only when this link set our ingest
// URL and nobody took the webhook since: a URL someone else set is theirs and stays. What the
// daemon gets back is the one restore rule (restore-target.ts, also shown in the window before
// the quit); the procedure and its time budget, which the quit's budget counts on, are in
// hand-back.ts.

import type { DaemonRestore } from '../../../shared/bridge';
import { HAND_BACK_BUDGET_MS, handBack } from './hand-back';
import type { LinkContext } from './link-context';
import type { Session } from './link-session';
import { describeRestore } from './restore-target';

/**
 * How long a stop waits for the answer to a SetWebhook(ingest) still on the wire. The daemon
 * checks the URL before it drains its old client, so a refusal (the Health tick retrying a
 * refused URL) comes at once: then the daemon's URL was never ours and nothing is handed back.
 * An accepted one may take the drain: past this, it counts as ours, as the daemon applied it.
 * Spent out of the hand-back's budget, so stop() stays within HAND_BACK_BUDGET_MS.
 */
export const IN_FLIGHT_ANSWER_MS = 500;

/** What the daemon gets back at quit, and why (null when the link is off). */
export function restoreOf(ctx: LinkContext): DaemonRestore | null {
  const { settings, memory } = ctx;
  if (settings.socketPath === null) return null;
  const m = memory.get();
  return describeRestore({
    onQuit: settings.onQuit,
    choice: m.restoreChoice?.mode ?? null,
    original: m.original,
    appUrl: settings.userUrl(),
    appUnusable: settings.userUrlUnusable(),
    isOwn: settings.isOwn,
  });
}

/** Hands back (or leaves the webhook to whoever took it), closes `s`, and says which in the state. */
export async function stopLink(ctx: LinkContext, s: Session | null): Promise<void> {
  const { settings, run, status, memory } = ctx;
  const path = settings.socketPath;
  const waitedMs = await awaitInFlightAnswer(run.subscribing);
  const ours = run.subscribed && status.state.phase !== 'taken-over' && status.state.phase !== 'other-app';
  if (path === null || !ours) {
    s?.client.close();
    if (run.subscribed && !ours) memory.update({ handedBack: true, original: null });
    const takenBy = status.state.takenBy;
    const note = takenBy ? `left the daemon's webhook as it is: ${takenBy.url ?? 'cleared'} (set by someone else)` : status.state.lastEvent;
    status.update({ phase: path === null ? 'off' : 'stopped', connected: false, lastEvent: note });
    return;
  }
  status.update({ phase: 'stopping' });
  const target = restoreOf(ctx)?.url ?? ''; // unmasked: the daemon gets the URL as it was
  const result = await handBack({
    socketPath: path,
    client: s?.client ?? null,
    target,
    ingestUrl: settings.ingestUrl,
    daemonHome: run.daemonHome,
    daemonProcess: run.proc,
    onHealth: (h) => status.hop.observe(h),
    budgetMs: HAND_BACK_BUDGET_MS - waitedMs,
  });
  s?.client.close();
  if (result.ok) memory.update({ handedBack: true, original: null });
  status.update({
    phase: 'stopped',
    connected: false,
    hop: status.hop.totals(),
    lastEvent: result.text,
    error: result.ok ? status.state.error : `could not hand the webhook back: ${result.text}`,
  });
}

/** Waits for `answer` at most IN_FLIGHT_ANSWER_MS; returns how long it waited. */
async function awaitInFlightAnswer(answer: Promise<void> | null): Promise<number> {
  if (answer === null) return 0;
  const start = Date.now();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([answer, new Promise<void>((resolve) => (timer = setTimeout(resolve, IN_FLIGHT_ANSWER_MS)))]);
  clearTimeout(timer);
  // After a stall of this process, timers run before I/O on the loop's next turn: an answer that
  // is already in the socket is read (and taken into `subscribed`) before setImmediate runs.
  await new Promise((resolve) => setImmediate(resolve));
  return Math.min(Date.now() - start, IN_FLIGHT_ANSWER_MS);
}
