// The built headless host (dist/main/headless.js) as a real process linked to a real daemon's
// socket, for the real-daemon tier. Unlike test/e2e/helpers/host.ts (which always runs with
// --no-daemon) it keeps its data folder and exposes the exit code, because the tier checks what
// the app leaves behind in the daemon when it quits.

import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { AppState } from '../../src/shared/bridge';
import type { DeliveryRecord } from '../../src/shared/delivery';
import { HEADLESS, ROOT } from '../e2e/helpers/host';
import { hostApi, stopChild, whenListening } from '../fixtures/host-listening';

/** How long the host may take to print its `listening` line. */
const START_TIMEOUT_MS = 15_000;
/**
 * How long a quitting host may take before it is killed: its drain, plus the daemon's answer to
 * the hand-back SetWebhook, which comes only after the daemon's old webhook client drained (up
 * to 5 s in the plugin).
 */
const STOP_TIMEOUT_MS = 20_000;

export interface AppOptions {
  /** daemon A's socket (--daemon-socket) */
  socket: string;
  /** the user's webhook URL (--url) */
  url: string;
  dataDir: string;
  /**
   * HOME of the app process: its own, so the first-run import never reads the HOME of the user
   * running the tests.
   */
  home: string;
  /** the API token (default: a fresh one) */
  token?: string;
  /** further flags, e.g. ['--timeout-ms', '2000'] */
  args?: string[];
}

export interface App {
  origin: string;
  state(): Promise<AppState>;
  log(limit: number): Promise<DeliveryRecord[]>;
  stderr(): string;
  /** an API call with the token: the status and the parsed answer */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  /** SIGTERM, then the exit code (null when it had to be killed) */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash): resolves when the process is gone */
  kill(): Promise<void>;
}

export async function startApp(opts: AppOptions): Promise<App> {
  mkdirSync(opts.dataDir, { recursive: true });
  mkdirSync(opts.home, { recursive: true });
  const token = opts.token ?? `daemon-tier-${Date.now().toString(36)}`;
  const argv = [
    HEADLESS,
    '--port', '0',
    '--token', token,
    '--data-dir', opts.dataDir,
    '--daemon-socket', opts.socket,
    '--url', opts.url,
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = whenListening(child, { timeoutMs: START_TIMEOUT_MS, label: 'headless host' });
  const origin = await started.origin;
  const api = hostApi(origin, token);
  const get = async <T>(path: string): Promise<T> => {
    const r = await api('GET', path);
    if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body as T;
  };

  let stopping: Promise<number | null> | null = null;
  return {
    origin,
    call: async (method, path, body) => {
      const r = await api(method, path, body);
      return { status: r.status, json: r.body };
    },
    kill: async () => {
      await stopChild(child, started.exitCode, 'SIGKILL', 0);
    },
    state: () => get<AppState>('/api/state'),
    log: async (limit) => (await get<{ records: DeliveryRecord[] }>(`/api/log?limit=${limit}`)).records,
    stderr: started.stderr,
    stop: () => (stopping ??= stopChild(child, started.exitCode, 'SIGTERM', STOP_TIMEOUT_MS)),
  };
}
