// One pull from a JetStream consumer that always ends. A pull normally ends when the server says
// its time is up; if the server it went to dies, that word never comes and the client may wait
// on it for ever. A deadline a little past the pull's own expiry stops it instead.

import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';

/** Past the pull's expiry, how long to wait for the server's end-of-pull before giving up on it. */
const GRACE_MS = 3000;

export interface Pull {
  /** stops the pull at once (the iterator ends) */
  stop(): void;
}

/**
 * Pulls up to `max` messages, handing each to `each` as it arrives; resolves with how many came.
 * `onStart` receives a handle to stop the pull early (shutdown).
 */
export async function pullOnce(
  consumer: Consumer,
  max: number,
  expiresMs: number,
  each: (m: JsMsg) => void,
  onStart?: (p: Pull) => void,
): Promise<number> {
  const batch: ConsumerMessages = await consumer.fetch({ max_messages: max, expires: expiresMs });
  const deadline = setTimeout(() => batch.stop(), expiresMs + GRACE_MS);
  onStart?.({ stop: () => batch.stop() });
  let got = 0;
  try {
    for await (const m of batch) {
      got++;
      each(m);
    }
  } finally {
    clearTimeout(deadline);
  }
  return got;
}
