// The desktop app's "open the log file": the shell asks the controller where the log is, then
// has the system open it (the fake electron's shell.openPath plays the viewer). The headless
// controller answers the path without opening anything.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createController, type Controller } from '../../src/main/core/controller';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { shellHandlers } from '../../src/main/shell/shell-handlers';
import { createFakeElectron } from '../fixtures/fake-electron';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function controller(logFile?: string): Promise<Controller> {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-shell-log-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const opened = openConfStore(dir);
  const c = await createController({
    settings: new SettingsService(opened.kv, opened.warnings),
    daemon: { enabled: false, socketPath: null },
    pushIntervalMs: 10,
    ...(logFile !== undefined && { logFile }),
  });
  cleanups.push(() => c.close());
  return c;
}

describe('openLogFile', () => {
  it('headless: answers where the log is, opened: false', async () => {
    const c = await controller('/data/main.log');
    expect(await c.handlers.openLogFile(undefined)).toStrictEqual({ ok: true, value: { path: '/data/main.log', opened: false } });
  });

  it('a host without a log file answers unsupported', async () => {
    const c = await controller();
    expect(await c.handlers.openLogFile(undefined)).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });

  it('desktop: opens the log in the system viewer', async () => {
    const fake = createFakeElectron();
    const h = shellHandlers(await controller('/home/u/.config/app/logs/main.log'), fake.electron);
    expect(await h.openLogFile(undefined)).toStrictEqual({ ok: true, value: { path: '/home/u/.config/app/logs/main.log', opened: true } });
    expect(fake.openedPaths()).toStrictEqual(['/home/u/.config/app/logs/main.log']);
  });

  it('desktop: says why when the viewer could not open it', async () => {
    const fake = createFakeElectron();
    fake.shell.openPathAnswer = 'Failed to open path';
    const h = shellHandlers(await controller('/x/main.log'), fake.electron);
    expect(await h.openLogFile(undefined)).toStrictEqual({
      ok: false,
      error: { code: 'internal', message: 'The log file /x/main.log could not be opened: Failed to open path' },
    });
  });
});
