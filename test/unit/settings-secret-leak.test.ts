// A settings file broken by hand is set aside with a warning that the window shows and the
// headless host prints. JSON.parse's message on Node 20 quotes the text around the error, which
// can be the signing secret: the warning must not carry any of it.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Conf from 'conf';
import { afterEach, expect, it } from 'vitest';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { openElectronStore, type ElectronStoreClass } from '../../src/main/shell/electron-settings-store';

class ConfAsElectronStore extends Conf<Record<string, unknown>> {
  constructor(options: { name?: string } & Record<string, unknown>) {
    const { name, ...rest } = options;
    super({ ...rest, configName: name ?? 'config' });
  }
}

const SECRET_PART = 'whsec_TopSecretKeyMaterial';
// The value lost its quotes in a hand edit: V8 quotes the text around the unexpected token.
const BROKEN = `{"url": "https://example.com/hook", "secret": ${SECRET_PART}0123456789}`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function brokenDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pwd-settings-leak-'));
  dirs.push(d);
  writeFileSync(join(d, 'settings.json'), BROKEN, { mode: 0o600 });
  return d;
}

it('the headless store reports a broken file without quoting any of its text', () => {
  const opened = openConfStore(brokenDir());
  const warning = opened.warnings.join('\n');
  expect(warning).toMatch(/could not be read \(.*not valid JSON.*\).*set aside/);
  expect(warning).not.toMatch(/whsec_|TopSecret/);
});

it('the Electron store reports a broken file without quoting any of its text', () => {
  const opened = openElectronStore(ConfAsElectronStore as unknown as ElectronStoreClass, brokenDir());
  const warning = opened.warnings.join('\n');
  expect(warning).toMatch(/could not be read \(.*not valid JSON.*\).*set aside/);
  expect(warning).not.toMatch(/whsec_|TopSecret/);
});
