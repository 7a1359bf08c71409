// Retry timing. The reference plugin makes MaxRetries (3) attempts in all per event, sleeping
// InitialBackoff (1 s) before the second and doubling before each later one; the wait restarts
// with every event. The app adds optional jitter and honours a receiver's Retry-After on 408/429.

/** Attempts per event in all, the first included (Go: MaxRetries = 3). */
export const MAX_ATTEMPTS = 3;

/** Wait before the second attempt; doubles per attempt, restarts per event (Go: InitialBackoff). */
export const INITIAL_BACKOFF_MS = 1000;

/**
 * Longest Retry-After the app will honour. A receiver asking for more would hold the (serial)
 * worker and every queued event behind it for that long; past this the normal attempt budget
 * decides instead.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * The wait before attempt `attempt` (2 for the first retry). Without jitter exactly
 * initial × 2^(attempt-2), like the plugin. With jitter, uniformly within ±50 % of that, so many
 * apps retrying against one receiver spread out instead of arriving together.
 */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  jitter = false,
  random: () => number = Math.random,
): number {
  if (attempt < 2) return 0;
  const base = initialMs * 2 ** (attempt - 2);
  return jitter ? Math.round(base * (0.5 + random())) : base;
}

/**
 * Milliseconds a Retry-After header asks for: delta-seconds or an HTTP date (RFC 9110 10.2.3),
 * capped at `capMs`. null when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number, capMs = MAX_RETRY_AFTER_MS): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (text === '') return null;
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    // An HTTP date has a month name; without this check Date.parse reads "-5" as a year.
    if (!/[A-Za-z]/.test(text)) return null;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return null;
    ms = Math.max(0, at - nowMs);
  }
  return Math.min(ms, capMs);
}
