// When the link tries again after a failed or lost connection: at once at first, then doubling
// up to a cap, so a daemon that is restarting is found quickly and one that is gone for good
// costs a connection attempt every few seconds, not a busy loop. A missing socket file is
// looked for on its own, steadier beat (DEFAULT_SOCKET_POLL_MS).

/** First wait before reconnecting after a failure; doubles on each failure in a row. */
export const DEFAULT_RECONNECT_MIN_MS = 500;
/** Cap of that doubling: a daemon that comes back is found within this long. */
export const DEFAULT_RECONNECT_MAX_MS = 10_000;
/** How often a socket file that is not there yet is looked for. */
export const DEFAULT_SOCKET_POLL_MS = 1000;
/** Past this many doublings the delay is the cap anyway; bounding the exponent keeps 2 ** n finite. */
const MAX_DOUBLINGS = 30;

/** The wait before the next try after `failuresInARow` failures. */
export function reconnectDelay(failuresInARow: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, minMs * 2 ** Math.min(failuresInARow, MAX_DOUBLINGS));
}

/** What the window says while waiting: why, and when the next try is. */
export function backoffMessage(reason: string, wasConnected: boolean, delayMs: number): string {
  return wasConnected ? `daemon gone: ${reason}, retrying in ${formatDelay(delayMs)}` : `${reason}; retrying in ${formatDelay(delayMs)}`;
}

function formatDelay(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms} ms`;
}
