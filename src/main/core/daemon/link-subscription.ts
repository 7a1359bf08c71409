// The subscription. The daemon has no "subscribe" command: the app subscribes by pointing the
// daemon's webhook at its own ingest (SetWebhook). Before it does, two things are settled:
// who holds the webhook now (another instance of this app, or — while linked in this run —
// someone else: told, not taken; takeover-watch.ts), and what the daemon lost or sent elsewhere
// while not linked (link-findings.ts), read from its Health right before the SetWebhook resets
// those counters. A refusal by the daemon is a state of its own ('refused'), tried again on
// the Health tick.

import { DaemonError } from './ipc-client';
import { deliveredBefore, readDaemonWebhookFiles, startUrl } from './daemon-webhook-files';
import type { LinkContext } from './link-context';
import { firstLinkFindings, restartedSince, startEventsElsewhere } from './link-findings';
import type { Session } from './link-session';
import { noteOtherApp, noteTakeover, otherInstanceHolds, takenAway } from './takeover-watch';

/**
 * The daemon answers SetWebhook only after its old webhook client has drained, which the
 * webhook plugin bounds at 5 s (Client.Close). SetWebhook gets this much on top of the
 * ordinary request timeout while running (not at quit: see HAND_BACK_BUDGET_MS).
 */
export const DAEMON_WEBHOOK_DRAIN_MS = 5000;

/**
 * Reads what the daemon had and lost, then SetWebhook(ingest) — unless someone else holds it.
 * `userAsked`: the user asked to take the webhook back, so whoever holds it loses it.
 */
export async function subscribe(ctx: LinkContext, s: Session, userAsked = false): Promise<void> {
  const { settings, run, status, memory } = ctx;
  const files = await readDaemonWebhookFiles(run.daemonHome);
  status.update({ warnings: [...(memory.problem ? [memory.problem] : []), ...(files.configProblem ? [files.configProblem] : [])] });
  const firstOfRun = !run.subscribed;
  const current = firstOfRun ? deliveredBefore(files, run.proc, settings.isOwn) : null;
  if (!userAsked) {
    const held = current?.url ?? files.persisted;
    if (await otherInstanceHolds(ctx, held)) return noteOtherApp(status, held!);
    if (!firstOfRun && takenAway(ctx, files)) return noteTakeover(status, files);
  }
  const before = await s.client.health(settings.requestTimeoutMs);
  if (!s.live) return;
  const now = Date.now();
  if (current) {
    const { original, loss } = firstLinkFindings({ current, remembered: memory.get().original, previous: ctx.previous, health: before, now });
    memory.update({ original, handedBack: false });
    status.update({ loss });
  } else {
    status.hop.observe(before); // the last counters of our own previous connection
    const startedAt = restartedSince({ health: before, newProcessStartedAt: run.restartedAt, lastAliveAt: run.lastAliveAt, now });
    if (startedAt !== null) {
      status.update({ startEventsElsewhere: startEventsElsewhere(startUrl(files, run.proc), settings.ingestUrl, startedAt, now) });
    }
  }
  run.subscribed = true;
  const answer = setIngestWebhook(ctx, s, firstOfRun);
  // Cleared once settled: a stop with nothing on the wire waits for nothing (link-stop.ts).
  const settled: Promise<void> = answer
    .then(
      () => undefined,
      () => undefined,
    )
    .then(() => {
      if (run.subscribing === settled) run.subscribing = null;
    });
  run.subscribing = settled;
  if (!(await answer) || !s.live) return;
  status.hop.clientRebuilt(); // our SetWebhook started a new webhook client with counters at 0
  run.filesConfirmed = (await readDaemonWebhookFiles(run.daemonHome)).persisted === settings.ingestUrl;
  run.failuresInARow = 0;
  const node = status.state.nodeId === null ? '' : ` (node ${status.state.nodeId})`;
  const lastEvent = `${firstOfRun ? 'linked' : 're-linked'} to daemon at ${settings.socketPath}${node}`;
  status.update({ phase: 'linked', connected: true, error: null, takenBy: null, hop: status.hop.totals(), lastEvent });
}

/**
 * SetWebhook(ingest), and a refusal taken into the state: true when the daemon accepted it. A
 * refusal on the first subscription of the run leaves the daemon's URL as it was, so it is not
 * ours to hand back.
 */
async function setIngestWebhook(ctx: LinkContext, s: Session, firstOfRun: boolean): Promise<boolean> {
  const { settings, run, status } = ctx;
  try {
    await s.client.setWebhook(settings.ingestUrl, settings.requestTimeoutMs + DAEMON_WEBHOOK_DRAIN_MS);
    return true;
  } catch (err) {
    if (!(err instanceof DaemonError)) throw err;
    const message = `the daemon refused the ingest URL: ${err.daemonMessage}`;
    if (firstOfRun) run.subscribed = false;
    status.update({ phase: 'refused', connected: true, error: message, lastEvent: message });
    return false;
  }
}
