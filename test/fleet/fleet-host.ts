// A headless host in fleet mode for the fleet tests: the real dist/main/headless.js with --nats,
// started on an ephemeral loopback port with its own temp data folder, stopped with SIGTERM or
// killed with SIGKILL (a crashed deliver process), and always removed with its folder.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppState } from '../../src/shared/bridge';
import { buildOnce, HEADLESS, ROOT } from '../e2e/helpers/host';
import { hostApi, postToIngest, stopChild, whenListening } from '../fixtures/host-listening';

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
/** A fleet host runs through a whole test and logs much: only the end of its stderr is kept. */
const KEEP_STDERR_CHARS = 20_000;

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
  const started = whenListening(child, { timeoutMs: START_TIMEOUT_MS, keepStderrChars: KEEP_STDERR_CHARS, label: 'fleet host' });
  const origin = await started.origin;
  const api = hostApi(origin, token);
  const state = async (): Promise<AppState> => (await api('GET', '/api/state')).body as AppState;
  const ingestUrl = (await state()).ingest.url;

  const post = async (body: object): Promise<number> => {
    if (!ingestUrl) throw new Error('this fleet host has no ingest (role deliver)');
    return postToIngest(ingestUrl, body);
  };

  let stopped: Promise<void> | null = null;
  const finish = (signal: NodeJS.Signals): Promise<void> =>
    (stopped ??= (async () => {
      await stopChild(child, started.exitCode, signal, STOP_TIMEOUT_MS);
      rmSync(dataDir, { recursive: true, force: true });
      all.delete(host);
    })());
  const host: FleetHost = { origin, pageUrl: `${origin}/#token=${token}`, ingestUrl, dataDir, state, api, post, stderr: started.stderr, stop: () => finish('SIGTERM'), kill: () => finish('SIGKILL') };
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
