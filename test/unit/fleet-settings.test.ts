// Joining a fleet from the settings (the desktop app's `nats` setting, and a headless host
// started without --nats): the settings' checks, the key file refused with the setting named,
// and the shell's choice of core — embedded without `nats`, fleet mode with it.

import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import type { Controller, ControllerOptions } from '../../src/main/core/controller';
import type { FleetOptions } from '../../src/main/core/fleet/fleet-controller';
import { fleetFromSettings } from '../../src/main/core/fleet/fleet-settings';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { DEFAULT_SETTINGS, readSettings } from '../../src/main/core/settings/settings-schema';
import { createCoreController } from '../../src/main/shell/core-controller';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pilot-fleet-settings-'));
  dirs.push(d);
  return d;
}
function keyFile(dir: string, key = randomBytes(32)): string {
  const p = join(dir, 'fleet.key');
  writeFileSync(p, `${key.toString('base64')}\n`, { mode: 0o600 });
  return p;
}

test('the fleet settings default to no fleet, and are checked field by field', () => {
  expect(DEFAULT_SETTINGS).toMatchObject({ nats: null, natsCreds: null, fleet: 'pilot', fleetRole: 'all', fleetKeyFile: null });
  const ok = readSettings({ nats: 'nats://127.0.0.1:4222, tls://localhost:4223', fleet: 'home-lab', fleetRole: 'deliver', fleetKeyFile: '/k' });
  expect(ok.warnings).toEqual([]);
  expect(ok.settings).toMatchObject({ fleet: 'home-lab', fleetRole: 'deliver' });
  const bad = readSettings({ nats: 'http://x:4222', fleet: 'a.b', fleetRole: 'boss', url: 'https://example.com/hook' });
  expect(bad.settings).toMatchObject({ nats: null, fleet: 'pilot', fleetRole: 'all', url: 'https://example.com/hook' });
  expect(bad.warnings).toHaveLength(3);
  expect(bad.warnings[0]).toMatch(/^Setting "nats" needs nats:\/\/ URLs separated by commas, got "http:\/\/x:4222"/);
  expect(bad.warnings[1]).toMatch(/^Setting "fleet" must be 1-32 letters/);
  expect(bad.warnings[2]).toMatch(/^Setting "fleetRole" must be one of ingest, deliver, all/);
});

test('no nats setting: no fleet; with it, the servers, the role and the key', () => {
  const dir = tempDir();
  const base = { ...DEFAULT_SETTINGS };
  expect(fleetFromSettings(base)).toBeNull();
  expect(fleetFromSettings({ ...base, nats: '  ' })).toBeNull();
  const key = randomBytes(32);
  const f = fleetFromSettings({ ...base, nats: 'nats://127.0.0.1:4222, nats://127.0.0.1:4223', fleetRole: 'ingest', fleet: 'desk', fleetKeyFile: keyFile(dir, key) })!;
  expect(f).toEqual({ servers: ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223'], name: 'desk', role: 'ingest', key });
  expect(fleetFromSettings({ ...base, nats: 'nats://127.0.0.1:4222', natsCreds: '/c.creds', fleetKeyFile: keyFile(dir) })!.credsFile).toBe('/c.creds');
});

test('a missing or unsafe key file is refused, naming the setting', () => {
  const dir = tempDir();
  const s = { ...DEFAULT_SETTINGS, nats: 'nats://127.0.0.1:4222' };
  expect(() => fleetFromSettings(s)).toThrow(/the "nats" setting \(fleet mode\) needs the "fleetKeyFile" setting/);
  expect(() => fleetFromSettings({ ...s, fleetKeyFile: join(dir, 'none.key') })).toThrow(/^the "fleetKeyFile" setting .*none\.key cannot be read \(ENOENT\)/);
  const open = keyFile(dir);
  chmodSync(open, 0o644);
  expect(() => fleetFromSettings({ ...s, fleetKeyFile: open })).toThrow(/^the "fleetKeyFile" setting .* is readable by other users \(mode 644\)/);
});

test('the shell runs the embedded core without nats, and fleet mode with it', async () => {
  const dir = tempDir();
  const opened = openConfStore(dir);
  const settings = new SettingsService(opened.kv, opened.warnings);
  const made: string[] = [];
  const fake = { handlers: {} } as unknown as Controller;
  const make = {
    embedded: async (_o: ControllerOptions) => (made.push('embedded'), fake),
    fleet: async (o: ControllerOptions & { fleet: FleetOptions }) => (made.push(`fleet ${o.fleet.name} ${o.fleet.role} ${o.fleet.servers.join(' ')}`), fake),
  };
  const opts: ControllerOptions = { settings, daemon: { enabled: false, socketPath: null } };
  await createCoreController(opts, make);
  settings.update({ nats: 'nats://127.0.0.1:4222', fleet: 'desk', fleetKeyFile: keyFile(dir) });
  await createCoreController(opts, make);
  expect(made).toEqual(['embedded', 'fleet desk all nats://127.0.0.1:4222']);
  settings.update({ fleetKeyFile: join(dir, 'gone.key') });
  await expect(createCoreController(opts, make)).rejects.toThrow(/fleetKeyFile.*cannot be read/);
  expect(made).toHaveLength(2);
});
