// The quit from the tray while the daemon posts to the app: first a question that says what the
// daemon gets back (the hand-back rule as the daemon panel shows it); Cancel keeps the app
// running and the daemon on the app, Quit hands back and exits. The shell runs on the fake
// Electron with the real controller linked to a fake daemon on a real Unix socket (temp folder).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createController } from '../../src/main/core/controller';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { appFiles } from '../../src/main/shell/app-files';
import { CANCEL_BUTTON, QUIT_BUTTON, quitQuestion } from '../../src/main/shell/quit-question';
import { startShell } from '../../src/main/shell/shell';
import { TRAY_ITEM_IDS } from '../../src/main/shell/tray-menu';
import { startFakeDaemon } from '../fixtures/fake-daemon';
import { FakeTray, createFakeElectron, type FakeElectron } from '../fixtures/fake-electron';
import { startReceiver } from '../fixtures/receiver';
import { sampleState } from '../fixtures/sample-state';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check(), what).toBe(true);
}

describe('quitQuestion (pure)', () => {
  const restore = { url: 'http://127.0.0.1:9/mine', why: 'what the daemon delivered to before the app linked (its config)', ask: false, guess: null };

  it('asks only while linked with a restore to tell', () => {
    expect(quitQuestion(sampleState({ daemon: { ...sampleState().daemon, restore: null } }))).toBeNull();
    expect(quitQuestion(sampleState({ daemon: { ...sampleState().daemon, phase: 'taken-over', restore } }))).toBeNull();
    const q = quitQuestion(sampleState({ daemon: { ...sampleState().daemon, restore } }))!;
    expect(q).toMatchObject({ buttons: ['Quit', 'Cancel'], defaultId: QUIT_BUTTON, cancelId: CANCEL_BUTTON });
    expect(q.detail).toBe('The daemon gets its webhook back: http://127.0.0.1:9/mine (what the daemon delivered to before the app linked (its config)).');
  });

  it('says when the daemon is cleared, and makes Cancel the default while the restore is unknown', () => {
    const cleared = quitQuestion(sampleState({ daemon: { ...sampleState().daemon, restore: { url: null, why: 'the "on quit: clear" setting', ask: false, guess: null } } }))!;
    expect(cleared.detail).toMatch(/^The daemon's webhook is cleared \(the "on quit: clear" setting\): its events are not delivered anywhere while the app is closed\.$/);
    const unknown = quitQuestion(sampleState({ daemon: { ...sampleState().daemon, restore: { url: null, why: 'not known', ask: true, guess: 'http://127.0.0.1:9/old' } } }))!;
    expect(unknown.defaultId).toBe(CANCEL_BUTTON);
    expect(unknown.detail).toContain("(perhaps http://127.0.0.1:9/old): Cancel, and choose in the window's daemon panel.");
  });
});

describe('the tray quit while linked', () => {
  async function linkedShell(): Promise<{ fake: FakeElectron; webhook: () => string | null; rxUrl: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'pilot-quitq-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const rx = await startReceiver();
    cleanups.push(() => rx.close());
    const daemon = await startFakeDaemon({ socketPath: join(dir, 'pilot.sock'), home: join(dir, 'home'), retryBackoffMs: 20 });
    cleanups.push(() => daemon.stop());
    const opened = openConfStore(join(dir, 'data'));
    const settings = new SettingsService(opened.kv, opened.warnings);
    settings.update({ daemonUrlImported: true, url: rx.url });
    const fake = createFakeElectron();
    const controller = createController({ settings, daemon: { enabled: true, socketPath: daemon.socketPath, healthIntervalMs: 100 }, pushIntervalMs: 10 });
    cleanups.push(async () => (await controller).close());
    await startShell({
      electron: fake.electron,
      files: appFiles({ appPath: '/app', isPackaged: false, resourcesPath: '/res' }),
      createController: () => controller,
      loginItem: { isEnabled: () => false, setEnabled: () => undefined },
      startHidden: true,
      platform: 'linux',
      log: () => undefined,
    });
    const c = await controller;
    await until(() => c.getState().daemon.phase === 'linked', 'linked to the daemon');
    // The shell follows the state pushes: it has seen the link once the tray no longer says "Daemon not connected".
    await until(() => FakeTray.instances[0]!.tooltip === 'Pilot Webhook: Delivering' && c.getState().daemon.restore !== null, 'the shell saw the link');
    return { fake, webhook: () => daemon.webhook(), rxUrl: rx.url };
  }

  it('Cancel keeps the app running and the daemon on the app; Quit hands back and exits', async () => {
    const { fake, webhook, rxUrl } = await linkedShell();
    const ingest = webhook();
    expect(ingest).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);

    fake.dialog.messageAnswer = CANCEL_BUTTON;
    FakeTray.instances[0]!.clickItem(TRAY_ITEM_IDS.quit);
    await until(() => fake.dialog.messageRequests.length === 1, 'asked');
    const asked = fake.dialog.messageRequests[0]!;
    expect(asked.message).toBe('Quit Pilot Webhook? The daemon delivers its events to this app now.');
    expect(asked.detail).toContain(`The daemon gets its webhook back: ${rxUrl}`);
    // The answer is handled as soon as the box resolves (a macrotask later at most).
    await new Promise((r) => setImmediate(r));
    expect(fake.app.quitCalls).toBe(0);
    expect(fake.app.exitCode).toBeNull();
    expect(webhook()).toBe(ingest);

    fake.dialog.messageAnswer = QUIT_BUTTON;
    FakeTray.instances[0]!.clickItem(TRAY_ITEM_IDS.quit);
    await until(() => fake.app.exitCode !== null, 'exited');
    expect(fake.dialog.messageRequests).toHaveLength(2);
    expect(webhook()).toBe(rxUrl);
  });
});
