// The set-up both real-daemon scenarios share (real-daemon.test.ts, daemon-day.test.ts): the
// built app, the pinned daemon binaries, a stub registry, daemons A and B and a local receiver,
// all on loopback in one temp folder; the pilotctl helpers they drive the daemons with; and one
// teardown that stops everything and keeps the daemons' logs when a step failed.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AppState } from '../../src/shared/bridge';
import { buildOnce } from '../e2e/helpers/host';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import type { App, AppOptions } from './headless-app';
import {
  installPilot,
  makeTmpDir,
  pilotctl,
  startDaemon,
  startRendezvous,
  stopAll,
  type PilotctlResult,
  type PilotInstall,
  type RunningDaemon,
} from './real-daemon.mjs';

/**
 * A handshake request reaches A through the registry relay, so A can approve it only once it
 * has arrived: approve is tried this many times, this far apart (about 10 s in all).
 */
const APPROVE_TRIES = 20;
const APPROVE_RETRY_MS = 500;
/** How often the app's state is read while waiting for a change in it. */
const STATE_POLL_MS = 100;
/** The app's flags in both scenarios: short timeouts and backoff, so failures show quickly. */
const APP_ARGS = ['--timeout-ms', '2000', '--retry-backoff-ms', '50'];

export interface DaemonPair {
  pilot: PilotInstall;
  tmpDir: string;
  rx: Receiver;
  a: RunningDaemon;
  b: RunningDaemon;
  /** starts daemon A again (after a stop) with the options it first had; also sets `a` */
  restartA(): Promise<RunningDaemon>;
  ctl(d: RunningDaemon, ...args: string[]): Promise<PilotctlResult>;
  /** pilotctl with its exit code checked: its stdout */
  ctlOk(d: RunningDaemon, ...args: string[]): Promise<string>;
  /** pilotctl --json with its exit code checked; replies are `{"status":"ok","data":{…}}` */
  ctlJson<T>(d: RunningDaemon, ...args: string[]): Promise<T>;
  /** the app's options for a run linked to A: its own data folder and HOME in the temp folder */
  appOptions(url: string): AppOptions;
}

export interface PairOptions {
  /** daemon A's -webhook flag, from the receiver's origin (default: none) */
  aWebhook?: (receiverOrigin: string) => string;
}

export async function startDaemonPair(opts: PairOptions = {}): Promise<DaemonPair> {
  await buildOnce();
  const pilot = await installPilot();
  const tmpDir = makeTmpDir();
  const rx = await startReceiver();
  const webhook = opts.aWebhook?.(new URL(rx.url).origin);
  const startA = () => startDaemon({ binDir: pilot.binDir, tmpDir, name: 'a', ...(webhook !== undefined && { webhook }) });
  let a: RunningDaemon;
  let b: RunningDaemon;
  try {
    await startRendezvous({ binDir: pilot.binDir, tmpDir });
    [a, b] = await Promise.all([startA(), startDaemon({ binDir: pilot.binDir, tmpDir, name: 'b' })]);
  } catch (err) {
    // No pair to close later: the receiver goes now, the daemons with stopAll(); the logs stay.
    await rx.close();
    console.log(`daemon pair did not start: logs kept in ${tmpDir}`);
    throw err;
  }
  const ctl = (d: RunningDaemon, ...args: string[]) => pilotctl({ binDir: pilot.binDir, socket: d.socket, home: d.home, args });
  const ctlOk = async (d: RunningDaemon, ...args: string[]): Promise<string> => {
    const r = await ctl(d, ...args);
    if (r.code !== 0) throw new Error(`pilotctl ${args.join(' ')} on ${d.name}: exit ${r.code}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const pair: DaemonPair = {
    pilot,
    tmpDir,
    rx,
    a,
    b,
    restartA: async () => (pair.a = await startA()),
    ctl,
    ctlOk,
    ctlJson: async <T>(d: RunningDaemon, ...args: string[]): Promise<T> => {
      const parsed = JSON.parse(await ctlOk(d, '--json', ...args)) as { data?: T };
      return (parsed.data ?? parsed) as T;
    },
    appOptions: (url) => ({ socket: pair.a.socket, url, dataDir: join(tmpDir, 'app', 'data'), home: join(tmpDir, 'app', 'home'), args: APP_ARGS }),
  };
  return pair;
}

/** B asks A for trust; A approves once the request has arrived. The last approve's result. */
export async function trustBToA(pair: DaemonPair, nodeA: number, nodeB: number, reason: string): Promise<PilotctlResult> {
  await pair.ctlOk(pair.b, 'handshake', String(nodeA), reason);
  let approved = await pair.ctl(pair.a, 'approve', String(nodeB));
  for (let i = 1; approved.code !== 0 && i < APPROVE_TRIES; i++) {
    await new Promise((r) => setTimeout(r, APPROVE_RETRY_MS));
    approved = await pair.ctl(pair.a, 'approve', String(nodeB));
  }
  return approved;
}

/** What the daemon persisted as its webhook (~/.pilot/webhook_url), or null when there is none. */
export function persistedWebhook(d: RunningDaemon): string | null {
  const file = join(d.home, '.pilot', 'webhook_url');
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** Reads the app's state until `check` holds (a read that fails, e.g. while it restarts, is a miss). */
export async function waitForAppState(app: App, check: (s: AppState) => boolean, what: string, timeoutMs: number): Promise<AppState> {
  const deadline = Date.now() + timeoutMs;
  let last: AppState | null = null;
  while (Date.now() < deadline) {
    last = await app.state().catch(() => null);
    if (last && check(last)) return last;
    await new Promise((r) => setTimeout(r, STATE_POLL_MS));
  }
  throw new Error(`timed out waiting for ${what}; last daemon view: ${JSON.stringify(last?.daemon)}`);
}

/** Stops the app, the daemons and the receiver; a failed run keeps its temp folder and says where. */
export async function closeDaemonPair(pair: DaemonPair | undefined, app: App | null | undefined, failed: boolean, label: string): Promise<void> {
  const code = await app?.stop();
  if (failed && app) console.log(`[${label}] app exit ${code}; app stderr:\n${app.stderr()}`);
  await stopAll();
  await pair?.rx.close();
  if (!pair) return;
  if (failed) console.log(`[${label}] failed: daemon logs kept in ${pair.tmpDir}/{a,b}/daemon.log`);
  else rmSync(pair.tmpDir, { recursive: true, force: true });
}
