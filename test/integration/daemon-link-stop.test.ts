// stop() while the first SetWebhook(ingest) is on the wire: the daemon applies it, so the link
// must still hand delivery back instead of leaving the daemon posting to a port about to close.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DaemonLink } from '../../src/main/core/daemon/daemon-link';
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
  daemon = await startFakeDaemon({ socketPath, home: dir, nodeId: 7 });
  const l = new DaemonLink({ socketPath, ingestUrl: ingest.url, userUrl: () => USER_URL, requestTimeoutMs: 500, socketPollMs: 20 });
  link = l;
  let stopped: Promise<void> | null = null;
  l.onChange(() => {
    // Info has just been answered; SetWebhook(ingest) is written synchronously after this
    // listener returns, and the stop comes one microtask later, before its reply.
    if (stopped === null && l.view().nodeId !== null) queueMicrotask(() => (stopped = l.stop()));
  });
  l.start();
  const until = Date.now() + 5000;
  while (stopped === null && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  expect(stopped).not.toBeNull();
  await stopped;
  // Give the daemon time to read whatever reached it.
  await new Promise((r) => setTimeout(r, 50));
  expect(daemon.setWebhookCalls).toContain(ingest.url);
  expect(daemon.webhook()).toBe(USER_URL);
});
