// URL credentials are never echoed: the real headless host, given a daemon webhook URL and a saved
// URL that carry a password (both refused, precisely because they would show), says so on stderr
// and in /api/state (which the window shows) with the password masked.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { AppState } from '../../src/shared/bridge';
import { buildOnce, HEADLESS, ROOT } from '../e2e/helpers/host';
import { whenListening } from '../fixtures/host-listening';

const TOKEN = 'mask-test-token';

let dir: string;

beforeEach(async () => {
  await buildOnce();
  dir = mkdtempSync(join(tmpdir(), 'pwd-mask-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a host until it answers /api/state once; returns its stderr and that state. */
async function runOnce(home: string, dataDir: string): Promise<{ stderr: string; state: AppState }> {
  const child = spawn(
    process.execPath,
    [HEADLESS, '--port', '0', '--token', TOKEN, '--data-dir', dataDir, '--daemon-socket', join(dir, 'absent.sock')],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: home, PILOT_HOME: join(home, '.pilot') } },
  );
  const started = whenListening(child);
  const { exited } = started;
  try {
    const origin = await started.origin;
    const res = await fetch(`${origin}/api/state`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { stderr: started.stderr(), state: (await res.json()) as AppState };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

it("masks the password of a refused daemon URL and of a refused saved URL, in /api/state and on stderr", async () => {
  const home = join(dir, 'home');
  mkdirSync(join(home, '.pilot'), { recursive: true });
  writeFileSync(join(home, '.pilot', 'config.json'), JSON.stringify({ webhook: 'http://alice:s3cret-daemon@127.0.0.1:9/hook' }));

  const first = await runOnce(home, join(dir, 'data-1'));
  const warning = first.state.warnings.find((w) => w.includes('was not imported'));
  expect(warning).toBe(
    "The daemon's webhook URL http://***@127.0.0.1:9/hook was not imported: the URL contains a user name or password " +
      '(before "@"), which this app does not send and would show in its log; remove them and put a token in the path or query, or use a signing secret',
  );
  expect(first.stderr).toContain("The daemon's webhook URL http://***@127.0.0.1:9/hook was not imported");
  expect(JSON.stringify(first.state)).not.toContain('s3cret-daemon');
  expect(first.stderr).not.toContain('s3cret-daemon');

  // A settings file an older version (or a hand edit) left with a password in its URL.
  const data2 = join(dir, 'data-2');
  mkdirSync(data2, { recursive: true });
  writeFileSync(join(data2, 'settings.json'), JSON.stringify({ url: 'https://bob:hunter2-saved@example.com/hook', daemonUrlImported: true }));
  const second = await runOnce(home, data2);
  expect(second.state.warnings.join('\n')).toContain('The saved webhook URL https://***@example.com/hook was ignored');
  expect(second.stderr).toContain('The saved webhook URL https://***@example.com/hook was ignored');
  expect(JSON.stringify(second.state)).not.toContain('hunter2-saved');
  expect(second.stderr).not.toContain('hunter2-saved');
});
