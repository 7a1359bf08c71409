// Stopping the link. Delivery is handed back to the daemon only when this link set our ingest
// URL and nobody took the webhook since: a URL someone else set is theirs and stays. What the
// daemon gets back is the one restore rule (restore-target.ts, also shown in the window before
// the quit); the procedure and its time budget, which the quit's budget counts on, are in
// hand-back.ts.

import type { DaemonRestore } from '../../../shared/bridge';
import { handBack } from './hand-back';
import type { LinkContext } from './link-context';
import type { Session } from './link-session';
import { describeRestore } from './restore-target';

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
