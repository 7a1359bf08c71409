// The real headless host's flags end to end: the token and secret from a file or the environment
// (never echoed), a warning for a token in argv, and usage errors (exit 2, the flag named) for an
// unknown flag and for a value the settings would refuse.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppState } from '../../src/shared/bridge';
import { buildOnce, HEADLESS, ROOT } from '../e2e/helpers/host';
import { whenListening } from '../fixtures/host-listening';

const TOKEN = 'flags-test-token-5f2c9a';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

let dir: string;

beforeAll(async () => {
  await buildOnce();
  dir = mkdtempSync(join(tmpdir(), 'pwd-flags-'));
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stderr: string;
  /** the state, when the host started */
  state?: AppState;
  /** POST /api/log-file/open's answer */
  logFile?: unknown;
}

/** Starts the host; once it listens, reads /api/state with `token` and stops it. */
async function run(args: string[], env: Record<string, string> = {}, token = TOKEN): Promise<Run> {
  const child = spawn(process.execPath, [HEADLESS, '--port', '0', '--no-daemon', '--no-outbox', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PILOT_WEBHOOK_TOKEN: '', PILOT_WEBHOOK_SECRET: '', ...env },
  });
  const started = whenListening(child);
  const exited = started.exitCode;
  // Exiting before it listens (a usage error) is an answer here, not a failure.
  const origin = await started.origin.catch(() => null);
  if (origin === null) return { code: await exited, stderr: started.stderr() };
  try {
    const res = await fetch(`${origin}/api/state`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const state = (await res.json()) as AppState;
    const logRes = await fetch(`${origin}/api/log-file/open`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    return { code: null, stderr: started.stderr(), state, logFile: await logRes.json() };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

it('takes the token from --token-file and the secret from PILOT_WEBHOOK_SECRET, echoing neither', async () => {
  const r = await run(['--data-dir', join(dir, 'd1'), '--token-file', join(dir, 'token')], { PILOT_WEBHOOK_SECRET: SECRET });
  expect(r.state?.secret.set).toBe(true);
  expect(r.stderr).toContain('#token=<the token from --token-file>');
  expect(r.stderr).not.toContain(TOKEN);
  expect(r.stderr).not.toContain(SECRET);
  expect(r.stderr).not.toMatch(/can be read by other users/);

  // The host's log: in the data folder, owner-only, and neither secret in it.
  const logPath = join(dir, 'd1', 'main.log');
  expect(r.logFile).toStrictEqual({ path: logPath, opened: false });
  expect(statSync(logPath).mode & 0o777).toBe(0o600);
  const text = readFileSync(logPath, 'utf8');
  expect(text).toMatch(/info listening http:\/\/127\.0\.0\.1:\d+\//);
  expect(text).toMatch(/info SIGTERM: stopping/);
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(SECRET);
});

it('takes the token from PILOT_WEBHOOK_TOKEN', async () => {
  const r = await run(['--data-dir', join(dir, 'd2')], { PILOT_WEBHOOK_TOKEN: TOKEN });
  expect(r.state).toBeDefined();
  expect(r.stderr).not.toContain(TOKEN);
});

it('warns about a token and a secret in argv, without repeating them', async () => {
  const r = await run(['--data-dir', join(dir, 'd3'), '--token', TOKEN, `--secret=${SECRET}`]);
  expect(r.state?.secret.set).toBe(true);
  expect(r.stderr).toMatch(/warning: --token on the command line can be read by other users/);
  expect(r.stderr).toMatch(/warning: --secret on the command line can be read by other users/);
  expect(r.stderr).not.toContain(SECRET);
  const text = readFileSync(join(dir, 'd3', 'main.log'), 'utf8');
  expect(text).toMatch(/warn --token on the command line can be read by other users/);
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(SECRET);
});

it.each([
  ['an unknown flag', ['--bogus'], /^unknown flag --bogus\n\nUsage: /],
  ['a timeout the settings refuse', ['--timeout-ms', '1'], /^--timeout-ms must be between 50 and 120000, got 1\n/],
  ['a missing token file', ['--token-file', '/nonexistent/token'], /^--token-file \/nonexistent\/token could not be read \(ENOENT\)\n/],
])('exits 2 on %s, naming the flag', async (_name, args, message) => {
  const r = await run(['--data-dir', join(dir, 'd4'), ...args]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
});
