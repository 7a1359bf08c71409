// Who holds the daemon's webhook, and noticing when that changes. The daemon tells nobody when
// its webhook is set, so the link reads the daemon's persisted webhook_url (on every Health tick
// and before every re-subscription) and compares it with our ingest URL — but only once it has
// been seen naming our ingest (LinkRun.filesConfirmed): before that, a different value may mean
// we read the wrong HOME, not that someone took over. A take-over is told and never silently
// undone (the user takes it back: DaemonLink.takeBack). Another running instance of this app is
// the other holder: its ingest answers a probe, and it is told, not taken.

import { readDaemonWebhookFiles, type DaemonWebhookFiles } from './daemon-webhook-files';
import type { LinkContext } from './link-context';
import { otherAppText, takeoverText } from './link-findings';
import type { LinkStatus } from './link-view';
import type { Session } from './link-session';

/** A cheap filter before the probe: every ingest URL of this app has this in its path. */
const INGEST_PATH = /\/ingest\//;

/** The daemon's webhook_url, once seen naming our ingest, names something else. */
export function takenAway(ctx: LinkContext, files: DaemonWebhookFiles): boolean {
  return ctx.run.filesConfirmed && files.persisted !== ctx.settings.ingestUrl;
}

/** Says the webhook was taken (once per URL it was taken to). */
export function noteTakeover(status: LinkStatus, files: DaemonWebhookFiles): void {
  if (status.state.phase === 'taken-over' && status.state.takenBy?.url === files.persisted) return;
  const text = takeoverText(files.persisted, files.configWebhook);
  status.update({ phase: 'taken-over', connected: true, takenBy: { url: files.persisted, text }, error: text, lastEvent: text });
}

/** Is `held` the ingest of another running instance of this app? */
export async function otherInstanceHolds(ctx: LinkContext, held: string | null): Promise<boolean> {
  return held !== null && held !== '' && held !== ctx.settings.ingestUrl && INGEST_PATH.test(held) && (await ctx.settings.probeIngest(held));
}

export function noteOtherApp(status: LinkStatus, held: string): void {
  status.update({ phase: 'other-app', connected: true, takenBy: { url: held, text: otherAppText(held) }, error: null, lastEvent: otherAppText(held) });
}

/**
 * One Health tick's look at the daemon's files while linked (or taken over): a take-over is told,
 * our URL back in them (someone handed it back) is linked again. Returns false when the session
 * ended while the files were read (nothing more to do on it).
 */
export async function watchWebhook(ctx: LinkContext, s: Session): Promise<boolean> {
  const { status, settings, run, memory } = ctx;
  if (status.state.phase !== 'linked' && status.state.phase !== 'taken-over') return true;
  const files = await readDaemonWebhookFiles(run.daemonHome);
  if (!s.live) return false;
  if (takenAway(ctx, files)) noteTakeover(status, files);
  else if (status.state.phase === 'taken-over' && files.persisted === settings.ingestUrl) {
    status.update({ phase: 'linked', takenBy: null, error: null, lastEvent: 'the daemon delivers to the app again' });
  }
  if (status.state.phase === 'linked') memory.update({ lastAliveAt: run.lastAliveAt });
  return true;
}
