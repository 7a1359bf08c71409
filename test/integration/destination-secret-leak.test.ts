// Header values and destination secrets never leave the main process in clear: the real headless
// host (its own process, --demo events) delivers to an n8n stand-in behind Header Auth, once with
// the right value and once with a wrong one (403s), and neither value is on stderr, in any API
// answer, in the log or in the history export.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { unaccounted, type Stats } from '../../src/shared/delivery';
import { buildOnce, HEADLESS, ROOT } from '../e2e/helpers/host';
import { whenListening } from '../fixtures/host-listening';
import { waitUntil } from '../fixtures/receiver';
import { startN8n } from '../fixtures/services/n8n';

const TOKEN = 'leak-test-token-0123456789';
const RIGHT = 'n8n-right-value-5e1f9c';
const WRONG = 'n8n-wrong-value-77aa02';
const SECRET = 'whsec_bGVhay10ZXN0LXNpZ25pbmctc2VjcmV0';

let dir: string;

beforeEach(async () => {
  await buildOnce();
  dir = mkdtempSync(join(tmpdir(), 'pwd-leak-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('header values and secrets are on no stderr line, API answer, log record or export', async () => {
  const n8n = await startN8n({ kind: 'header', name: 'X-N8n-Token', value: RIGHT });
  const child = spawn(process.execPath, [HEADLESS, '--port', '0', '--token', TOKEN, '--data-dir', join(dir, 'data'), '--no-daemon', '--demo'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = whenListening(child);
  try {
    const origin = await started.origin;
    const api = async (method: string, path: string, body?: unknown): Promise<string> => {
      const res = await fetch(`${origin}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return res.text();
    };
    const answers: string[] = [];
    answers.push(await api('POST', '/api/destinations', { url: n8n.url, name: 'right', headers: { 'X-N8n-Token': RIGHT } }));
    const wrong = JSON.parse(await api('POST', '/api/destinations', { url: n8n.url, name: 'wrong', headers: { 'X-N8n-Token': WRONG } })) as {
      destination: { id: string };
    };
    answers.push(JSON.stringify(wrong));
    answers.push(await api('PUT', `/api/destinations/${wrong.destination.id}/secret`, { secret: SECRET }));
    answers.push(await api('POST', `/api/destinations/${wrong.destination.id}/test`));
    // Demo events reach both: 200 with the right value, 403 with the wrong one.
    await waitUntil(() => n8n.exchanges.some((e) => e.answer.status === 200) && n8n.exchanges.some((e) => e.answer.status === 403), 'both answered', 15_000);
    const state = await api('GET', '/api/state');
    answers.push(state, await api('GET', '/api/destinations'), await api('GET', '/api/log?limit=500'), await api('GET', '/api/export'));
    const everything = answers.join('\n');
    for (const value of [RIGHT, WRONG, SECRET]) {
      expect(everything).not.toContain(value);
      expect(started.stderr()).not.toContain(value);
    }
    // The receiver did get them: they are sent, just never shown.
    expect(n8n.exchanges.map((e) => e.request.headers['x-n8n-token'])).toEqual(expect.arrayContaining([RIGHT, WRONG]));
    const list = (JSON.parse(state) as { destinations: { name: string; stats: Stats }[] }).destinations;
    for (const d of list) expect(unaccounted(d.stats), d.name).toBe(0);
  } finally {
    child.kill('SIGTERM');
    await started.exited;
    await n8n.close();
  }
}, 30_000);
