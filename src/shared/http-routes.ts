// The headless host's HTTP paths that are not bridge calls (the calls' routes are in
// bridge-calls.ts, beside each call), and the API's size limit.

/** The history as JSON Lines, oldest first (not a bridge call: a download that streams). */
export const EXPORT_PATH = '/api/export';

/** Server-sent events of the BridgePushes (`event: state` / `event: records`). */
export const STREAM_PATH = '/api/stream';

/** API request bodies larger than this get 413: every call's argument is small. */
export const MAX_API_BODY_BYTES = 64 * 1024;
