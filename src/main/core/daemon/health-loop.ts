// The health loop: while a connection lives, Health every healthIntervalMs. It is the link's
// heartbeat — a Health that fails ends the connection and the link reconnects — and its clock:
// the hop counters are read on it, take-over detection runs on it (takeover-watch.ts), and a
// subscription the daemon refused, or left to another instance that has since gone away, is
// tried again on it. The next tick is scheduled only once this one is done, on the Session, so
// ticks never overlap and die with their connection.

import { errorText } from '../../../shared/error-text';
import type { LinkContext } from './link-context';
import type { Session } from './link-session';
import { subscribe } from './link-subscription';
import { watchWebhook } from './takeover-watch';

/** How often Health is polled while linked: cheap and local on the daemon's side. */
export const DEFAULT_HEALTH_INTERVAL_MS = 3000;

/** Health now, then every healthIntervalMs while the session lives; `fail` ends the session. */
export async function pollHealth(ctx: LinkContext, s: Session, fail: (reason: string) => void): Promise<void> {
  const { settings, run, status } = ctx;
  const health = await s.client.health(settings.requestTimeoutMs);
  if (!s.live) return;
  run.lastAliveAt = Date.now();
  if (!(await watchWebhook(ctx, s))) return;
  // A later try may be accepted; another instance that went away leaves the daemon to us.
  if (status.state.phase === 'refused') await subscribe(ctx, s);
  else if (status.state.phase === 'other-app' && !(await settings.probeIngest(status.state.takenBy?.url ?? ''))) await subscribe(ctx, s);
  status.update({ health });
  if (!s.live) return;
  s.timer = setTimeout(() => {
    s.timer = null;
    pollHealth(ctx, s, fail).catch((err: unknown) => fail(`Health failed: ${errorText(err)}`));
  }, settings.healthIntervalMs);
}
