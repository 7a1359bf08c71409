// Recognises ingest URLs of this app (any run of it): the daemon must never be handed one back as
// "the user's URL", and one left behind by a crashed run must not be imported as the user's.

/** http://127.0.0.1:<port>/ingest/<token>, the shape every run's ingest server has. */
const OWN_INGEST_URL = /^http:\/\/127\.0\.0\.1:\d{1,5}\/ingest\/[A-Za-z0-9_-]{16,}$/;

export function isOwnIngestUrl(url: string): boolean {
  return OWN_INGEST_URL.test(url.trim());
}
