// The bridge contract over the headless host's HTTP API (docs/architecture.md, "The headless
// host"): each call is one fetch on the route its definition names (shared/bridge-calls.ts), its
// answer settled as the preload settles an IPC answer (shared/call-answer.ts); the pushes arrive as
// server-sent events. In Electron the preload provides the same contract over IPC and this file is
// not used.

import { isApiError, type ApiError } from '../shared/api-errors';
import { CALL_NAMES, PUSH_NAMES, type Bridge, type BridgePushes, type PushName } from '../shared/bridge';
import { argumentPlace, CALLS, type CallName } from '../shared/bridge-calls';
import { checkCallArg, queryStringOf, settleAnswer, type CallAnswer } from '../shared/call-answer';
import { fillPath, pathParamNames, withoutPathParams } from '../shared/path-params';
import { EXPORT_PATH, STREAM_PATH } from '../shared/http-routes';

/** Where the token survives a reload of the tab once it has been taken out of the address bar. */
const TOKEN_STORAGE_KEY = 'pilot-webhook.token';

/**
 * EventSource retries by itself while the host is unreachable, but gives up for good on an HTTP
 * error (a restarted host answering 401 before the page learns a new token, say). Then we open a
 * new one after this pause, so a host that comes back is found again.
 */
const STREAM_REOPEN_MS = 5_000;


export type StreamStatus = 'connecting' | 'open' | 'lost';

export type WebBridge = Bridge & {
  /** false when the page was opened without a token: every call will answer 401 */
  readonly hasToken: boolean;
  /** the event stream's health, so the window can say when the host went away */
  onStream(listener: (status: StreamStatus) => void): () => void;
};

/**
 * Takes the API token from `#token=` or `?token=` and removes it from the address bar (so it is
 * not shared with a screenshot or bookmarked), keeping it for reloads of this tab.
 */
export function takeToken(loc: Location, history: History, storage: Storage | null): string | null {
  const hash = new URLSearchParams(loc.hash.replace(/^#/, ''));
  const search = new URLSearchParams(loc.search);
  const token = hash.get('token') ?? search.get('token');
  if (token !== null) {
    hash.delete('token');
    search.delete('token');
    const query = search.toString();
    const fragment = hash.toString();
    history.replaceState(history.state, '', `${loc.pathname}${query ? `?${query}` : ''}${fragment ? `#${fragment}` : ''}`);
    try {
      storage?.setItem(TOKEN_STORAGE_KEY, token);
    } catch {
      // Storage may be disabled; the token then lasts as long as the page.
    }
    return token;
  }
  try {
    return storage?.getItem(TOKEN_STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: unknown };
    if (isApiError(body.error)) return body.error;
  } catch {
    // Not JSON: fall through to the status line.
  }
  return { code: 'bad_answer', message: `the app answered HTTP ${res.status} ${res.statusText}`.trim() };
}

/** The page's own fetch; tests in Node pass one that prefixes the host's origin. */
export type Fetch = (path: string, init: RequestInit) => Promise<Response>;

export function createWebBridge(token: string | null, fetchFrom: Fetch = (path, init) => fetch(path, init)): WebBridge {
  const auth: Record<string, string> = token === null ? {} : { Authorization: `Bearer ${token}` };

  async function answer(name: CallName, arg: unknown): Promise<CallAnswer> {
    const { method, path: route } = CALLS[name].http;
    const place = argumentPlace(name);
    // A route with a parameter needs the argument's field to build the path: an argument that
    // cannot be checked is refused here, with the same answer main would give over IPC.
    let path = route;
    if (pathParamNames(route).length > 0) {
      const checked = checkCallArg(name, arg);
      const filled = checked.ok ? fillPath(route, arg) : null;
      if (!checked.ok || filled === null) {
        return { ok: false, error: { code: 'invalid_argument', message: checked.ok ? 'the argument has no usable id' : checked.message } };
      }
      path = filled;
    }
    const init: RequestInit = { method, headers: { ...auth }, cache: 'no-store' };
    if (place === 'body') {
      init.headers = { ...auth, 'Content-Type': 'application/json' };
      init.body = JSON.stringify(withoutPathParams(route, arg) ?? {});
    }
    let res: Response;
    try {
      res = await fetchFrom(place === 'query' ? `${path}${queryStringOf(name, arg)}` : path, init);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, error: { code: 'unreachable', message: `The app is not reachable (${message}). Is the host still running?` } };
    }
    if (!res.ok) return { ok: false, error: await errorOf(res) };
    try {
      return { ok: true, value: (await res.json()) as unknown };
    } catch {
      return { ok: false, error: { code: 'bad_answer', message: `the app's answer to ${name} is not JSON` } };
    }
  }

  const call = async (name: CallName, arg: unknown): Promise<unknown> => settleAnswer(name, await answer(name, arg));

  const listeners = new Map<PushName, Set<(value: never) => void>>();
  const streamListeners = new Set<(status: StreamStatus) => void>();
  let source: EventSource | null = null;
  let reopenTimer: ReturnType<typeof setTimeout> | null = null;

  const tellStream = (status: StreamStatus): void => {
    for (const l of streamListeners) l(status);
  };

  function openStream(): void {
    const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
    const es = new EventSource(`${STREAM_PATH}${query}`);
    source = es;
    tellStream('connecting');
    es.addEventListener('open', () => tellStream('open'));
    es.addEventListener('error', () => {
      tellStream('lost');
      if (es.readyState === EventSource.CLOSED && reopenTimer === null) {
        reopenTimer = setTimeout(() => {
          reopenTimer = null;
          openStream();
        }, STREAM_REOPEN_MS);
      }
    });
    for (const push of PUSH_NAMES) {
      es.addEventListener(push, (e) => {
        const value = JSON.parse((e as MessageEvent<string>).data) as BridgePushes[typeof push];
        for (const l of listeners.get(push) ?? []) (l as (v: typeof value) => void)(value);
      });
    }
  }

  function on<P extends PushName>(push: P, listener: (value: BridgePushes[P]) => void): () => void {
    const set = listeners.get(push) ?? new Set();
    listeners.set(push, set);
    set.add(listener as (value: never) => void);
    if (source === null) openStream();
    return () => set.delete(listener as (value: never) => void);
  }

  const calls: Record<string, (arg?: unknown) => Promise<unknown>> = {};
  for (const name of CALL_NAMES) calls[name] = (arg?: unknown) => call(name, arg);

  const bridge = {
    ...calls,
    on,
    hasToken: token !== null,
    onStream(listener: (status: StreamStatus) => void): () => void {
      streamListeners.add(listener);
      return () => streamListeners.delete(listener);
    },
  };
  // The loop above fills exactly the names in CALL_NAMES, which the contract checks against BridgeCalls.
  return bridge as unknown as WebBridge;
}

/**
 * Downloads the history export (GET /api/export, JSON Lines) with the token in its header and
 * saves it through a temporary link: a plain link could not carry the token. Resolves with a
 * message when it failed, or null.
 */
export function historyDownloader(token: string | null): () => Promise<string | null> {
  return async () => {
    const res = await fetch(EXPORT_PATH, { headers: token === null ? {} : { Authorization: `Bearer ${token}` } });
    if (!res.ok) return (await errorOf(res)).message;
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'pilot-webhook-history.jsonl';
    const href = URL.createObjectURL(await res.blob());
    const link = document.createElement('a');
    link.href = href;
    link.download = name;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(href), 0);
    return null;
  };
}
