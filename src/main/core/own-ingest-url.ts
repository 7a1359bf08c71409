// Recognises ingest URLs of this app (any run of it): the daemon must never be handed one back as
// "the user's URL", and one left behind by a crashed run must not be imported as the user's.

/** http://127.0.0.1:<port>/ingest/<token>, the shape every run's ingest server has. */
const OWN_INGEST_URL = /^http:\/\/127\.0\.0\.1:\d{1,5}\/ingest\/[A-Za-z0-9_-]{16,}$/;

export function isOwnIngestUrl(url: string): boolean {
  return OWN_INGEST_URL.test(url.trim());
}

/** How long a possible other instance's ingest gets to answer. */
export const INGEST_PROBE_TIMEOUT_MS = 1000;

/**
 * True when an ingest of this app answers at `url` (a GET gets its 405 "only POST"): another
 * running instance holds the daemon. A dead port (a crashed run) answers nothing.
 */
export async function probeIngest(url: string): Promise<boolean> {
  if (!isOwnIngestUrl(url)) return false;
  try {
    const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(INGEST_PROBE_TIMEOUT_MS) });
    await res.body?.cancel();
    return res.status === 405;
  } catch {
    return false;
  }
}
