// The real headless host for end-to-end tests: built once (only when the sources are newer than
// dist/, under a cross-process lock, since test files run in parallel workers and a rebuild wipes
// dist/ under a running host), started on an ephemeral loopback port with a temp data folder,
// and stopped with SIGTERM.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppState } from '../../../src/shared/bridge';
import { hostApi, postToIngest, stopChild, whenListening } from '../../fixtures/host-listening';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The built headless host every test that spawns one runs. */
export const HEADLESS = join(ROOT, 'dist/main/headless.js');
const BUILT_OUTPUTS = ['dist/main/headless.js', 'dist/renderer/app.js', 'dist/renderer/index.html', 'dist/renderer/styles.css'];
const BUILD_INPUTS = ['src', 'scripts/build.mjs'];

/** A build takes a few seconds; a lock older than this was left by a crashed worker. */
const STALE_LOCK_MS = 120_000;
/** How long the host may take to print its `listening` line. */
const START_TIMEOUT_MS = 15_000;
/** How long a stopping host may drain before it is killed. */
const STOP_TIMEOUT_MS = 8_000;

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function isBuildFresh(): boolean {
  try {
    const oldestOutput = Math.min(...BUILT_OUTPUTS.map((p) => statSync(join(ROOT, p)).mtimeMs));
    const newestInput = Math.max(...BUILD_INPUTS.map((p) => newestMtime(join(ROOT, p))));
    return oldestOutput >= newestInput;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let built: Promise<void> | null = null;

/** Builds dist/ once per test file, and only when it is older than the sources. */
export function buildOnce(): Promise<void> {
  built ??= (async () => {
    // In the temp folder, named after the checkout: only workers building the same dist/ wait.
    const lock = join(tmpdir(), `pilot-e2e-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);
    for (;;) {
      try {
        mkdirSync(lock);
        break;
      } catch {
        try {
          if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
        } catch {
          // The other worker just removed it.
        }
        await sleep(100);
      }
    }
    try {
      if (isBuildFresh()) return;
      const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--quiet'], { cwd: ROOT, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  })();
  return built;
}

export interface HostOptions {
  /** --url */
  url?: string;
  /** link to a daemon at this socket path instead of --no-daemon */
  daemonSocket?: string;
  /** further flags, e.g. ['--circuit-cooldown-ms', '3000'] */
  args?: string[];
}

export interface Host {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  token: string;
  /** the page with its token: `http://127.0.0.1:<port>/#token=…` */
  pageUrl: string;
  /** the daemon-facing ingest URL */
  ingestUrl: string;
  /** GET /api/state */
  state(): Promise<AppState>;
  /** an authorised API call, answered JSON */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** POSTs daemon-format bodies to the ingest, `parallel` at a time */
  inject(bodies: readonly object[], parallel?: number): Promise<void>;
  /** what the host wrote to stderr so far (for failure messages) */
  stderr(): string;
  stop(): Promise<void>;
}

/** A daemon webhook body as the Pilot daemon POSTs it. */
export function daemonEvent(eventId: number, event: string, data: unknown = { peer: 'demo' }): object {
  return { event_id: eventId, event, node_id: 7, timestamp: new Date().toISOString(), data };
}

/** Fast delivery settings for tests (the headless host's flags: npm run headless -- --help). */
// Short waits keep the tests quick; the attempt timeout stays well above a loaded machine's slowest
// local answer, or a slow reply would be retried and counted twice by the receiver.
/**
 * Quick first attempts and no later ones: these window tests watch events fail and come back by
 * "Send again", which durable mode's retry schedule would otherwise do by itself (see the
 * self-healing integration tests for that).
 */
export const FAST_DELIVERY = ['--timeout-ms', '2000', '--retry-backoff-ms', '20', '--retry-schedule', 'none'];

export async function startHost(opts: HostOptions = {}): Promise<Host> {
  await buildOnce();
  const dataDir = mkdtempSync(join(tmpdir(), 'pilot-e2e-'));
  const token = `e2e-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const daemon = opts.daemonSocket === undefined ? ['--no-daemon'] : ['--daemon-socket', opts.daemonSocket];
  // No start-up warm-up: it changes nothing a page can see (test/integration/delivery-warm-up.test.ts
  // covers it) and would spend a second of CPU per host beside Chromium on this 2-core machine.
  const args = [HEADLESS, ...daemon, '--port', '0', '--data-dir', dataDir, '--token', token, '--no-warm-up'];
  if (opts.url !== undefined) args.push('--url', opts.url);
  args.push(...(opts.args ?? []));
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });

  const started = whenListening(child, { timeoutMs: START_TIMEOUT_MS });
  const origin = await started.origin;
  const api = hostApi(origin, token);
  const state = async (): Promise<AppState> => (await api('GET', '/api/state')).body as AppState;
  const ingestUrl = (await state()).ingest.url;
  if (ingestUrl === null) throw new Error('host reports no ingest URL');

  const inject = async (bodies: readonly object[], parallel = 32): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < bodies.length) {
        const status = await postToIngest(ingestUrl, bodies[next++]!);
        if (status >= 300) throw new Error(`ingest answered ${status}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, bodies.length) }, worker));
  };

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await stopChild(child, started.exitCode, 'SIGTERM', STOP_TIMEOUT_MS);
      rmSync(dataDir, { recursive: true, force: true });
    })());

  return { origin, token, pageUrl: `${origin}/#token=${token}`, ingestUrl, state, api, inject, stderr: started.stderr, stop };
}
