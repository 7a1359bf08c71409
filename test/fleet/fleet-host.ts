// A headless host in fleet mode for the fleet tests: the real dist/main/headless.js with --nats,
// started on an ephemeral loopback port with its own temp data folder, stopped with SIGTERM or
// killed with SIGKILL (a crashed deliver process), and always removed with its folder.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppState } from '../../src/shared/bridge';
import { buildOnce, ROOT } from '../e2e/helpers/host';

const HEADLESS = join(ROOT, 'dist/main/headless.js');
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const LISTENING = /^listening (http:\/\/127\.0\.0\.1:\d+\/)$/m;

/** A fleet key file (base64 of 32 random bytes + newline, mode 0600) in its own temp folder. */
export function writeFleetKey(dir: string, name = 'fleet.key', key: Buffer = randomBytes(32)): string {
  const path = join(dir, name);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600 });
  return path;
}

export interface FleetHostOptions {
  nats: readonly string[];
  keyFile: string;
  role?: 'ingest' | 'deliver' | 'all';
  fleet?: string;
  args?: string[];
}

export interface FleetHost {
  origin: string;
  /** the window with its token */
  pageUrl: string;
  /** null for a deliver-only process */
  ingestUrl: string | null;
  /** its data folder (removed when it stops): main.log is there */
  dataDir: string;
  state(): Promise<AppState>;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** POSTs one daemon-format body to the ingest; answers the HTTP status */
  post(body: object): Promise<number>;
  stderr(): string;
  /** SIGTERM, then SIGKILL after a while */
  stop(): Promise<void>;
  /** SIGKILL at once: nothing is drained, nothing acknowledged */
  kill(): Promise<void>;
}

const all = new Set<FleetHost>();

export async function stopAllFleetHosts(): Promise<void> {
  await Promise.all([...all].map((h) => h.stop()));
}

export async function startFleetHost(opts: FleetHostOptions): Promise<FleetHost> {
  await buildOnce();
  const dataDir = mkdtempSync(join(tmpdir(), 'pilot-fleet-'));
  const token = `fleet-${randomBytes(9).toString('base64url')}`;
  const args = [HEADLESS, '--no-daemon', '--port', '0', '--data-dir', dataDir, '--token', token, '--nats', opts.nats.join(','), '--fleet-key-file', opts.keyFile];
  if (opts.role) args.push('--role', opts.role);
  if (opts.fleet) args.push('--fleet', opts.fleet);
  args.push(...(opts.args ?? []));
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fleet host did not start in ${START_TIMEOUT_MS} ms:\n${err}`)), START_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = LISTENING.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace(/\/$/, ''));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`fleet host exited (${child.exitCode}) before listening:\n${err}`));
    });
  });

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${origin}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
  const state = async (): Promise<AppState> => (await api('GET', '/api/state')).body as AppState;
  const ingestUrl = (await state()).ingest.url;

  const post = async (body: object): Promise<number> => {
    if (!ingestUrl) throw new Error('this fleet host has no ingest (role deliver)');
    const res = await fetch(ingestUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    await res.arrayBuffer();
    return res.status;
  };

  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  let stopped: Promise<void> | null = null;
  const finish = (signal: NodeJS.Signals): Promise<void> =>
    (stopped ??= (async () => {
      if (!gone()) {
        child.kill(signal);
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dataDir, { recursive: true, force: true });
      all.delete(host);
    })());
  const host: FleetHost = { origin, pageUrl: `${origin}/#token=${token}`, ingestUrl, dataDir, state, api, post, stderr: () => err, stop: () => finish('SIGTERM'), kill: () => finish('SIGKILL') };
  all.add(host);
  return host;
}

/** Polls until `check` answers true (or throws with `what` and the last value seen). */
export async function eventually<T>(what: string, read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (check(last)) return last;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
