// Keeps the fake daemon (test/fixtures/fake-daemon.ts, which the fast tiers use) honest: the same
// IPC requests go to the real pilot-daemon v1.18.0 and to the fake, through the app's own IPC
// client, and the answers must agree — Health's keys, Info's shape, SetWebhook's acceptance and
// refusal messages, the error frame, and what SetWebhook leaves in ~/.pilot/webhook_url.

import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DaemonError, IpcClient } from '../../src/main/core/daemon/ipc-client';
import { startFakeDaemon, type FakeDaemon } from '../fixtures/fake-daemon';
import { startReceiver } from '../fixtures/receiver';
import { installPilot, makeTmpDir, startDaemon, startRendezvous, stopAll, type RunningDaemon } from './real-daemon.mjs';

/** A command byte neither daemon knows. */
const UNKNOWN_COMMAND = 0x77;
/** SetWebhook waits for the old webhook client to drain (≤ 5 s in the plugin). */
const SET_WEBHOOK_TIMEOUT_MS = 12_000;

/**
 * URLs whose SetWebhook outcome is compared, from the protocol notes (README.md): the daemon's
 * refusals with their exact messages, and the gaps it lets through.
 */
const URL_CASES = [
  'http://127.0.0.1:8080/hook',
  'https://example.test/hook?x=1',
  'HTTP://127.0.0.1:8080/upper',
  'http://u:p@127.0.0.1:8080/userinfo',
  'http://[::1]:8080/v6',
  'http://169.254.169.254/latest',
  'http://[fe80::1]/x',
  'http://[::ffff:169.254.169.254]/x',
  'http://224.0.0.1/x',
  'http://metadata.google.internal/x',
  'http://METADATA.AZURE.COM/x',
  'http://metadata.google.internal./x',
  'http://2852039166/x',
  'http://[fd00:ec2::254]/x',
  'ftp://127.0.0.1/x',
  'not a url',
  'http://',
  ' http://127.0.0.1/leading-space',
];

type Outcome = { accepted: string } | { refused: string; code: number };

async function setWebhook(client: IpcClient, url: string): Promise<Outcome> {
  try {
    return { accepted: await client.setWebhook(url, SET_WEBHOOK_TIMEOUT_MS) };
  } catch (err) {
    if (err instanceof DaemonError) return { refused: err.daemonMessage, code: err.code };
    throw err;
  }
}

function persisted(home: string): { url: string; mode: number } | null {
  const file = join(home, '.pilot', 'webhook_url');
  return existsSync(file) ? { url: readFileSync(file, 'utf8'), mode: statSync(file).mode & 0o777 } : null;
}

let tmpDir: string;
let real: RunningDaemon;
let fake: FakeDaemon;
let toReal: IpcClient;
let toFake: IpcClient;
let failed = false;

beforeAll(async () => {
  failed = true; // until set-up is done: keeps the logs when it throws
  const { binDir } = await installPilot();
  tmpDir = makeTmpDir();
  await startRendezvous({ binDir, tmpDir });
  real = await startDaemon({ binDir, tmpDir, name: 'r' });
  fake = await startFakeDaemon({ socketPath: join(tmpDir, 's', 'fake.sock'), home: join(tmpDir, 'fake-home') });
  [toReal, toFake] = await Promise.all([IpcClient.connect(real.socket), IpcClient.connect(fake.socketPath)]);
  failed = false;
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  toReal?.close();
  toFake?.close();
  await fake?.stop();
  await stopAll();
  if (tmpDir && failed) console.log(`[fake-vs-real] failed: the real daemon's log is kept in ${tmpDir}/r/daemon.log`);
  else if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
});

describe('the fake daemon answers like the real one', () => {
  it('Health: the same keys, with the same types', async () => {
    const [r, f] = await Promise.all([toReal.health(), toFake.health()]);
    expect(Object.keys(f).sort()).toEqual(Object.keys(r).sort());
    for (const key of Object.keys(r)) expect(typeof f[key], key).toBe(typeof r[key]);
    expect(f.status).toBe(r.status);
  });

  it("Info: the fake's keys are real ones, with the same types", async () => {
    const [r, f] = await Promise.all([toReal.info(), toFake.info()]);
    for (const key of Object.keys(f.raw)) {
      expect(r.raw, `real Info has "${key}"`).toHaveProperty(key);
      expect(typeof f.raw[key], key).toBe(typeof r.raw[key]);
    }
    expect(r.raw).not.toHaveProperty('uptime_seconds'); // Info says uptime_secs, Health uptime_seconds
  });

  it('an unknown command: 0x0A with code 1 and the same message', async () => {
    const outcome = async (c: IpcClient) => {
      try {
        await c.request(UNKNOWN_COMMAND);
        return 'answered';
      } catch (err) {
        return err instanceof DaemonError ? { code: err.code, message: err.daemonMessage } : String(err);
      }
    };
    const [r, f] = [await outcome(toReal), await outcome(toFake)];
    expect(r).toEqual({ code: 1, message: expect.stringMatching(/^unknown command: 0x77$/i) });
    expect(f).toEqual({ code: 1, message: expect.stringMatching(/^unknown command: 0x77$/i) });
  });

  it('SetWebhook: the same URLs accepted, the same refusals', async () => {
    const rows: string[] = [];
    for (const url of URL_CASES) {
      const [r, f] = [await setWebhook(toReal, url), await setWebhook(toFake, url)];
      if (JSON.stringify(r) !== JSON.stringify(f)) rows.push(`${JSON.stringify(url)}: real ${JSON.stringify(r)}, fake ${JSON.stringify(f)}`);
    }
    expect(rows, `SetWebhook outcomes that differ:\n${rows.join('\n')}`).toEqual([]);
  });

  it('SetWebhook persists to ~/.pilot/webhook_url (0600, no newline); clearing deletes the file', async () => {
    const url = 'http://127.0.0.1:8080/persisted';
    await Promise.all([setWebhook(toReal, url), setWebhook(toFake, url)]);
    expect(persisted(real.home)).toEqual({ url, mode: 0o600 });
    expect(persisted(fake.home)).toEqual({ url, mode: 0o600 });
    await Promise.all([setWebhook(toReal, ''), setWebhook(toFake, '')]);
    expect(persisted(real.home)).toBeNull();
    expect(persisted(fake.home)).toBeNull();
  });

  it('at start, a "webhook" in ~/.pilot/config.json wins over ~/.pilot/webhook_url', async () => {
    // The real daemon does not log its start-up URL; its node.registered event shows where it posts.
    const rx = await startReceiver();
    try {
      const fromFile = `${rx.url}/from-webhook-url`;
      const fromConfig = `${rx.url}/from-config`;
      for (const home of [real.home, fake.home]) {
        mkdirSync(join(home, '.pilot'), { recursive: true });
        writeFileSync(join(home, '.pilot', 'webhook_url'), fromFile, { mode: 0o600 });
        writeFileSync(join(home, '.pilot', 'config.json'), JSON.stringify({ webhook: fromConfig }), { mode: 0o600 });
      }
      toReal.close();
      await real.stop();
      real = await startDaemon({ binDir: (await installPilot()).binDir, tmpDir, name: 'r' });
      toReal = await IpcClient.connect(real.socket);
      await fake.restart();
      const [first] = await rx.waitForRequests(1, 10_000);
      expect(first).toMatchObject({ path: '/hook/from-config' });
      expect((first!.json() as { event: string }).event).toBe('node.registered');
      expect(fake.webhook()).toBe(fromConfig);
      // Neither rewrites webhook_url with the config's value.
      expect(persisted(real.home)?.url).toBe(fromFile);
      expect(persisted(fake.home)?.url).toBe(fromFile);
    } finally {
      await rx.close();
    }
  });
});
