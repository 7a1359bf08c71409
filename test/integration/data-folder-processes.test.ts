// Two real headless hosts on one data folder (two writers once overwrote each other's history):
// the second is told which process holds the folder and stops; a holder killed with SIGKILL
// leaves nothing stuck; and a host started under umask 000 still leaves every file owner-only.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppState } from '../../src/shared/bridge';
import { unaccounted } from '../../src/shared/delivery';
import { buildOnce, HEADLESS, ROOT } from '../e2e/helpers/host';
import { whenListening } from '../fixtures/host-listening';
import { startReceiver, waitUntil, type Receiver } from '../fixtures/receiver';

const TOKEN = 'folder-lock-test-token';
/** The headless host's exit code when the folder is held (EX_TEMPFAIL). */
const EXIT_IN_USE = 75;

interface Host {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
  /** the origin once listening, or null when the process ended first */
  origin: Promise<string | null>;
}

let dir: string;
let receiver: Receiver;
const hosts: Host[] = [];

beforeEach(async () => {
  await buildOnce();
  dir = mkdtempSync(join(tmpdir(), 'pwd-folder-proc-'));
  receiver = await startReceiver();
});

afterEach(async () => {
  for (const h of hosts.splice(0)) {
    if (h.child.exitCode === null && h.child.signalCode === null) h.child.kill('SIGKILL');
    await h.exited;
  }
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a host under `umask 000` (a shell in front), so modes come from the code alone. */
function startHost(): Host {
  const args = [HEADLESS, '--no-daemon', '--port', '0', '--data-dir', join(dir, 'data'), '--url', receiver.url];
  const child = spawn('sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The token as the variable, not in argv (which other local users can read, and the host warns).
    env: { ...process.env, PILOT_WEBHOOK_TOKEN: TOKEN },
  });
  const started = whenListening(child);
  // An ended process (the folder held) is an answer here, not a failure.
  const origin = started.origin.catch(() => null);
  const host = { child, exited: started.exitCode, stderr: started.stderr, origin };
  hosts.push(host);
  return host;
}

async function api<T>(origin: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${origin}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...init.headers } });
  return (await res.json()) as T;
}

describe('one process per data folder, between real processes', () => {
  it('stops a second host with the holder named, and lets the next one start after a SIGKILL', async () => {
    const first = startHost();
    const origin = await first.origin;
    expect(origin, first.stderr()).not.toBeNull();

    const second = startHost();
    expect(await second.origin).toBeNull();
    expect(await second.exited).toBe(EXIT_IN_USE);
    expect(second.stderr()).toMatch(
      new RegExp(`^The data folder .*data is in use by a headless host \\(npm run headless\\), pid ${first.child.pid}, since \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z; stop it \\(Ctrl\\+C in its terminal, or kill ${first.child.pid}\\)`),
    );

    first.child.kill('SIGKILL');
    await first.exited;
    const third = startHost();
    const again = await third.origin;
    expect(again, third.stderr()).not.toBeNull();
    const s = await api<AppState>(again!, '/api/state');
    expect(unaccounted(s.stats)).toBe(0);
  });

  it('leaves the folder 0700 and every file 0600 under umask 000', async () => {
    const host = startHost();
    const origin = await host.origin;
    expect(origin, host.stderr()).not.toBeNull();
    const s = await api<AppState>(origin!, '/api/state');
    const ingest = await fetch(s.ingest.url!, { method: 'POST', body: JSON.stringify({ event: 'message.received', data: { body: 'private' } }) });
    expect(ingest.status).toBeLessThan(300);
    await waitUntil(() => receiver.requests.length === 1, 'delivered');
    const exported = await api<{ path?: string }>(origin!, '/api/export-file', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(exported.path).toMatch(/exports[/\\].+\.jsonl$/);
    const data = join(dir, 'data');
    expect(statSync(data).mode & 0o777).toBe(0o700);
    const files = readdirSync(data, { recursive: true, withFileTypes: true });
    const seen: string[] = [];
    for (const f of files) {
      const path = join(f.parentPath, f.name);
      const mode = statSync(path).mode & 0o777;
      seen.push(path.slice(data.length + 1));
      expect(mode, path).toBe(f.isDirectory() ? 0o700 : 0o600);
    }
    expect(seen).toEqual(expect.arrayContaining(['history.sqlite3', 'history.sqlite3-wal', 'history.sqlite3-shm', 'exports', 'instance.lock']));
    expect(seen.some((p) => /^exports[/\\].+\.jsonl$/.test(p))).toBe(true);
  });
});
