// The built headless host (dist/main/headless.js) as a real process linked to a real daemon's
// socket, for the real-daemon tier. Unlike test/e2e/helpers/host.ts (which always runs with
// --no-daemon) it keeps its data folder and exposes the exit code, because the tier checks what
// the app leaves behind in the daemon when it quits.

import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AppState } from '../../src/shared/bridge';
import type { DeliveryRecord } from '../../src/shared/delivery';
import { ROOT } from '../e2e/helpers/host';

const HEADLESS = join(ROOT, 'dist/main/headless.js');
const LISTENING = /^listening (http:\/\/127\.0\.0\.1:\d+)\/$/m;
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
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`headless host did not start within ${START_TIMEOUT_MS} ms:\n${err}`));
    }, START_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = LISTENING.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`headless host exited (${code}) before listening:\n${err}`));
    });
  });

  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${origin}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };

  let stopping: Promise<number | null> | null = null;
  return {
    origin,
    call: async (method, path, body) => {
      const res = await fetch(`${origin}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body !== undefined && { 'Content-Type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: await res.json() };
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    state: () => get<AppState>('/api/state'),
    log: async (limit) => (await get<{ records: DeliveryRecord[] }>(`/api/log?limit=${limit}`)).records,
    stderr: () => err,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        const code = await exited;
        clearTimeout(killer);
        return code;
      })()),
  };
}
