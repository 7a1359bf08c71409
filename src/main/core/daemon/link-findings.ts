// What the link finds out about the time it was not linked, and who holds the daemon's webhook,
// put into words a user can act on. Pure: every input comes in as an argument. Read right before
// a SetWebhook (link-subscription.ts), because the SetWebhook starts a new webhook client in the
// daemon and resets the counters these findings come from.

import type { DaemonLoss } from '../../../shared/bridge';
import { HEALTH_DROPPED_KEY, HEALTH_SKIPS_KEY } from './hop-counters';
import type { OriginSource, WebhookOrigin } from './daemon-webhook-files';
import type { RememberedOrigin } from './link-memory';

/**
 * The plugin opens its breaker after this many events in a row used up their attempts; those
 * events failed without being counted in either counter. So a loss read from the counters is
 * a lower bound: "at least".
 */
export const PLUGIN_UNCOUNTED_PER_BREAKER_OPENING = 5;
/** Health's uptime_seconds is whole seconds (seen rounded up): a restart is judged with this slack. */
const UPTIME_SLACK_MS = 2000;

function count(health: Record<string, unknown>, key: string): number {
  const v = health[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}

export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface LossInput {
  /** the daemon's Health right before our first SetWebhook of this run */
  health: Record<string, unknown>;
  /** the link was last seen alive (previous run), or null */
  lastAliveAt: number | null;
  /** the previous run quit cleanly and handed delivery back */
  handedBack: boolean;
  /** where the daemon's current webhook client posts: our (dead) ingest, or someone's URL */
  postingTo: 'our-ingest' | { url: string };
  now: number;
}

/** The loss to report at the first link of a run, or null when there is nothing to tell. */
export function lossBeforeLink(input: LossInput): DaemonLoss | null {
  const dropped = count(input.health, HEALTH_DROPPED_KEY);
  const circuitSkips = count(input.health, HEALTH_SKIPS_KEY);
  const uptimeS = count(input.health, 'uptime_seconds');
  const lost = dropped + circuitSkips;
  const from = input.lastAliveAt;
  const daemonStart = input.now - uptimeS * 1000;
  const counters = `${dropped} dropped from its queue, ${circuitSkips} skipped by its circuit breaker`;
  if (input.postingTo === 'our-ingest') {
    if (input.handedBack && lost === 0) return null;
    const span = from === null ? 'while the app was not running' : `from ${iso(from)} to ${iso(input.now)} (${formatSpan(input.now - from)})`;
    const restarted = from !== null && daemonStart > from ? ` The daemon restarted at ${iso(daemonStart)}: its counters cover only the time since, and what it held at its stop is not counted.` : '';
    const text =
      lost === 0
        ? `The app was not linked to the daemon ${span}; the daemon posted to the app's closed ingest meanwhile and reports no loss (it does not count events that failed before its breaker opened, up to ${PLUGIN_UNCOUNTED_PER_BREAKER_OPENING} per opening).${restarted}`
        : `Lost while the app was not linked ${span}: at least ${lost} events (${counters}); the daemon posted them to the app's closed ingest, they cannot be recovered.${restarted}`;
    return { from, to: input.now, dropped, circuitSkips, text };
  }
  if (lost === 0) return null;
  const text = `Before the app linked, the daemon's own webhook to ${input.postingTo.url} lost at least ${lost} events (${counters}).`;
  return { from, to: input.now, dropped, circuitSkips, text };
}

const SOURCE_WORDS: Record<OriginSource, string> = {
  flag: "its -webhook flag",
  config: '"webhook" in config.json',
  webhook_url: 'webhook_url',
  none: 'nothing',
};

export function sourceWords(source: OriginSource): string {
  return SOURCE_WORDS[source];
}

/** After a daemon restart: its start events went to its start URL, not to us, until the re-link. */
export function startEventsElsewhere(start: { url: string | null; source: OriginSource }, ingestUrl: string, daemonStartedAt: number, relinkedAt: number): string | null {
  if (start.url === ingestUrl) return null;
  const where = start.url === null ? 'nowhere (the daemon had no URL at its start)' : `${start.url} (${sourceWords(start.source)}, which the daemon prefers at start)`;
  return `The daemon restarted at ${iso(daemonStartedAt)}; for ${formatSpan(relinkedAt - daemonStartedAt)} until the app re-linked, its events (node.registered, agent.registered and any others) went to ${where}, not through the app.`;
}

/** The daemon's webhook_url no longer names our ingest: someone else set it. */
export function takeoverText(url: string | null, configWebhook: string | null): string {
  const who = url === null ? 'Someone cleared the daemon\'s webhook' : `The daemon now delivers to ${url}`;
  const config = configWebhook !== null && configWebhook !== url ? ` (config.json names ${configWebhook} for its next start)` : '';
  return `${who}${config}, set outside this app (pilotctl, a script, another app): events no longer come through the app. Take it back to resume.`;
}

export function otherAppText(url: string): string {
  return `Another running instance of Pilot Webhook receives this daemon's events (its ingest ${url} answers). This one does not take the daemon from it; take it over only if that instance should stop receiving.`;
}

export interface FirstLinkInput {
  /** what the daemon delivered to right before this run's first SetWebhook */
  current: WebhookOrigin;
  /** what the link memory holds from earlier runs */
  remembered: RememberedOrigin | null;
  /** the previous run's ending, as this run found it */
  previous: Readonly<{ lastAliveAt: number | null; handedBack: boolean }>;
  /** the daemon's Health right before the SetWebhook */
  health: Record<string, unknown>;
  now: number;
}

/**
 * At the first link of a run: the origin to remember for the hand-back, and what was lost.
 * When the daemon points at an ingest left by a crashed run (or its origin is not known), the
 * origin remembered before that crash is the only record of the user's URL: it is kept.
 */
export function firstLinkFindings(input: FirstLinkInput): { original: RememberedOrigin; loss: DaemonLoss | null } {
  const { current, remembered, previous, now } = input;
  const kept = (current.leftover || !current.known) && remembered && !previous.handedBack ? remembered : null;
  const loss = lossBeforeLink({
    health: input.health,
    lastAliveAt: previous.lastAliveAt,
    handedBack: previous.handedBack,
    postingTo: current.url === null || current.leftover ? 'our-ingest' : { url: current.url },
    now,
  });
  return { original: kept ?? { url: current.url, source: current.source, known: current.known, at: now }, loss };
}

/**
 * At a re-link: when the daemon started, if it restarted since it was last seen alive — a new
 * process (from /proc), else by its own uptime, which it reports in whole seconds rounded up
 * (so it gets that much slack). Null: the same daemon as before.
 */
export function restartedSince(input: { health: Record<string, unknown>; newProcessStartedAt: number | null; lastAliveAt: number; now: number }): number | null {
  const { health, now } = input;
  const uptime = typeof health.uptime_seconds === 'number' ? health.uptime_seconds * 1000 : null;
  return input.newProcessStartedAt ?? (uptime !== null && now - uptime > input.lastAliveAt - UPTIME_SLACK_MS ? now - uptime : null);
}
