// When the secret cannot be saved (keychain or settings file failing), the call fails and
// nothing changes: the window must not show a secret as set that the sender does not use.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createController, type Controller } from '../../src/main/core/controller';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';

let dir: string;
let controller: Controller | null = null;
afterEach(async () => {
  await controller?.close();
  controller = null;
  rmSync(dir, { recursive: true, force: true });
});

it('setSecret, generateSecret and clearSecret change nothing when the secret cannot be stored', async () => {
  dir = mkdtempSync(join(tmpdir(), 'pwd-secret-save-'));
  const o = openConfStore(dir);
  let stored: string | null = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  let failing = false;
  const settings = new SettingsService(o.kv, o.warnings, {
    get: () => stored,
    set: (s) => {
      if (failing) throw new Error('keychain unavailable');
      stored = s;
    },
  });
  controller = await createController({ settings, daemon: { enabled: false, socketPath: null } });
  const before = controller.getState().secret;
  failing = true;

  await expect(controller.handlers.setSecret({ secret: 'another-secret-value-1234' })).rejects.toThrow(/could not be saved/);
  await expect(controller.handlers.generateSecret(undefined)).rejects.toThrow(/could not be saved/);
  await expect(controller.handlers.clearSecret(undefined)).rejects.toThrow(/could not be saved/);
  expect(controller.getState().secret).toEqual(before);
  expect(controller.getSecret()).toBe(stored);
});
