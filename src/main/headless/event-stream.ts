// GET /api/stream: the bridge's pushes as server-sent events, for the page's EventSource.

import type { ServerResponse } from 'node:http';
import { PUSH_NAMES, type AppState, type BridgePushes, type PushName, type PushSubscribe } from '../../shared/bridge';

/** How long EventSource waits before reconnecting after the stream drops (the `retry:` hint). */
export const STREAM_RETRY_MS = 2_000;

/** A comment line this often keeps idle proxies and the browser from timing the stream out. */
export const STREAM_PING_MS = 15_000;

/**
 * A client that stops reading would make its unsent events pile up in memory. Past this many
 * buffered bytes it is cut off; EventSource reconnects and starts again from a fresh state.
 */
export const MAX_STREAM_BACKLOG_BYTES = 4 * 1024 * 1024;

/**
 * Event streams open at once. Each is one open window or tab (the page keeps one), so a person
 * never needs many; each may hold up to MAX_STREAM_BACKLOG_BYTES for a reader that stalls, so
 * their number bounds that memory: 16 × 4 MiB = 64 MiB at worst.
 */
export const MAX_EVENT_STREAMS = 16;

export interface EventStream {
  /** false once the stream has ended, from either side */
  readonly isOpen: boolean;
  /** ends the stream from the server side (on shutdown) */
  close(): void;
}

interface StreamOptions {
  subscribe: PushSubscribe;
  pingMs: number;
  /** called once, when the stream ends for whatever reason */
  onClosed: (stream: EventStream) => void;
}

type Pending = { push: PushName; value: BridgePushes[PushName] };

/**
 * Frames already written for a pushed value: every open stream gets the same push object, so it
 * is serialised once, not once per stream (a large record would otherwise be copied per window).
 */
const framed = new WeakMap<object, string>();

function frame(push: PushName, value: unknown): string {
  const cached = typeof value === 'object' && value !== null ? framed.get(value) : undefined;
  if (cached !== undefined) return cached;
  // JSON.stringify escapes newlines, so the data always fits on one `data:` line.
  const text = `event: ${push}\ndata: ${JSON.stringify(value)}\n\n`;
  if (typeof value === 'object' && value !== null) framed.set(value, text);
  return text;
}

/**
 * Subscribes first and loads the state second, holding back pushes until the initial state is
 * written: nothing that happens while the state is being read is lost, and `state` comes first.
 * If the state cannot be read, the returned promise rejects before any header is sent.
 */
export async function openEventStream(
  res: ServerResponse,
  loadState: () => Promise<AppState>,
  opts: StreamOptions,
): Promise<EventStream> {
  let pending: Pending[] | null = [];
  let closed = false;
  const unsubscribes: (() => void)[] = [];
  const timers: { ping?: ReturnType<typeof setInterval> } = {};

  const cleanup = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(timers.ping);
    for (const off of unsubscribes) off();
    unsubscribes.length = 0;
    opts.onClosed(handle);
  };
  const handle: EventStream = {
    get isOpen() {
      return !closed;
    },
    close: () => {
      cleanup();
      res.end();
    },
  };

  const write = (chunk: string): void => {
    if (closed) return;
    res.write(chunk);
    if (res.writableLength > MAX_STREAM_BACKLOG_BYTES) {
      cleanup();
      res.destroy();
    }
  };

  for (const push of PUSH_NAMES) {
    unsubscribes.push(
      opts.subscribe(push, (value) => {
        if (pending !== null) pending.push({ push, value });
        else write(frame(push, value));
      }),
    );
  }

  res.on('close', cleanup);
  let state: AppState;
  try {
    state = await loadState();
  } catch (err) {
    cleanup();
    throw err;
  }
  // The client left while the state was loading.
  if (closed) return handle;

  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    Connection: 'keep-alive',
    // Tells buffering reverse proxies (nginx) to pass events through at once.
    'X-Accel-Buffering': 'no',
  });
  write(`retry: ${STREAM_RETRY_MS}\n\n`);
  write(frame('state', state));
  const held = pending;
  pending = null;
  for (const p of held) write(frame(p.push, p.value));

  timers.ping = setInterval(() => write(': ping\n\n'), opts.pingMs);
  timers.ping.unref();
  return handle;
}
