// stop() while the first SetWebhook(ingest) is on the wire: the daemon applies it, so the link
// must still hand delivery back instead of leaving the daemon posting to a port about to close.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DaemonLink, HAND_BACK_BUDGET_MS } from '../../src/main/core/daemon/daemon-link';
import { startIngestServer, type IngestServer } from '../../src/main/core/ingest/ingest-server';
import { startFakeDaemon, type FakeDaemon } from '../fixtures/fake-daemon';

const USER_URL = 'https://hooks.example/user';

let dir: string;
let ingest: IngestServer;
let daemon: FakeDaemon | null = null;
let link: DaemonLink | null = null;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pwd-link-stop-'));
  ingest = await startIngestServer({ onEvent: () => {}, onReject: () => {} });
});

afterEach(async () => {
  await link?.stop();
  await daemon?.stop();
  await ingest.close();
  rmSync(dir, { recursive: true, force: true });
});

it('hands the URL back when stopped while the first SetWebhook is in flight', async () => {
  const socketPath = join(dir, 'pilot.sock');
  // The daemon applies SetWebhook at once but answers late (the real one drains its old client first).
  daemon = await startFakeDaemon({ socketPath, home: dir, nodeId: 7, setWebhookReplyDelayMs: 300 });
  const l = new DaemonLink({ socketPath, daemonHome: dir, ingestUrl: ingest.url, userUrl: () => USER_URL, requestTimeoutMs: 500, socketPollMs: 20 });
  link = l;
  l.start();
  const until = Date.now() + 5000;
  while (!daemon.setWebhookCalls.includes(ingest.url) && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
  expect(l.view().phase).toBe('connecting'); // on the wire, unanswered
  await l.stop();
  expect(daemon.setWebhookCalls).toEqual([ingest.url, USER_URL]);
  expect(daemon.webhook()).toBe(USER_URL);
  expect(l.view()).toMatchObject({ phase: 'stopped', lastEvent: `handed delivery back to the daemon: ${USER_URL}` });
});

it('hands back on a fresh connection when the old one is stuck (its Health gets no answer)', async () => {
  const socketPath = join(dir, 'pilot.sock');
  daemon = await startFakeDaemon({ socketPath, home: dir, nodeId: 7 });
  const l = await linked(socketPath);
  daemon.misbehave('silent', 1);
  await l.stop();
  expect(daemon.webhook()).toBe(USER_URL);
  expect(l.view().lastEvent).toBe(`handed delivery back to the daemon: ${USER_URL}`);
});

it(`keeps its stop within HAND_BACK_BUDGET_MS (${HAND_BACK_BUDGET_MS} ms) when the daemon answers the hand-back late, and says so`, async () => {
  const socketPath = join(dir, 'pilot.sock');
  daemon = await startFakeDaemon({ socketPath, home: dir, nodeId: 7 });
  const l = await linked(socketPath, 25_000);
  daemon.delaySetWebhookReplies(20_000);
  expect(DaemonLink.stopBudgetMs).toBe(HAND_BACK_BUDGET_MS);
  await l.stop();
  expect(l.view().lastEvent).toMatch(new RegExp(`did not confirm the hand-back within ${HAND_BACK_BUDGET_MS} ms`));
  expect(l.view().lastEvent).toContain(`wrote ${USER_URL} to ${join(dir, '.pilot', 'webhook_url')}`);
  expect(daemon.persistedWebhook()).toBe(USER_URL);
});

async function linked(socketPath: string, requestTimeoutMs = 500): Promise<DaemonLink> {
  const l = new DaemonLink({ socketPath, daemonHome: dir, ingestUrl: ingest.url, userUrl: () => USER_URL, requestTimeoutMs, socketPollMs: 20 });
  link = l;
  l.start();
  const until = Date.now() + 30_000;
  while (l.view().phase !== 'linked' && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  expect(l.view().phase).toBe('linked');
  return l;
}
