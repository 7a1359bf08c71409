// The shell's settings file (electron-store over conf, real files in a temp dir) read by the same
// SettingsService as the headless host, and the signing secret kept with safeStorage (a fake).

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Conf from 'conf';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsService } from '../../src/main/core/settings/settings';
import {
  ENCRYPTED_SECRET_KEY,
  PLAIN_SECRET_KEY,
  openElectronStore,
  safeSecretStore,
  type ElectronStoreClass,
} from '../../src/main/shell/electron-settings-store';
import { FakeSafeStorage } from '../fixtures/fake-electron';

/**
 * electron-store loads Electron when imported, so the test uses what it is made of: conf, with
 * electron-store's one option translation (`name` is conf's `configName`).
 */
class ConfAsElectronStore extends Conf<Record<string, unknown>> {
  constructor(options: { name?: string } & Record<string, unknown>) {
    const { name, ...rest } = options;
    super({ ...rest, configName: name ?? 'config' });
  }
}
const Store = ConfAsElectronStore as unknown as ElectronStoreClass;

const dirs: string[] = [];
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pilot-estore-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const fileOf = (dir: string) => join(dir, 'settings.json');
const onDisk = (dir: string) => JSON.parse(readFileSync(fileOf(dir), 'utf8')) as Record<string, unknown>;

describe('electron settings store', () => {
  it('writes the same owner-only settings.json the headless host reads, checked by the same rules', () => {
    const dir = dataDir();
    const opened = openElectronStore(Store, dir);
    const settings = new SettingsService(opened.kv, opened.warnings, safeSecretStore(opened.kv, new FakeSafeStorage(), 'linux'));
    settings.update({ url: 'https://example.com/hook', timeoutMs: 2000 });
    expect(onDisk(dir)).toMatchObject({ url: 'https://example.com/hook', timeoutMs: 2000 });
    expect(statSync(fileOf(dir)).mode & 0o777).toBe(0o600);
    expect(() => settings.update({ timeoutMs: 1 })).toThrow(/timeoutMs/);
  });

  it('a hand-edited bad value is replaced by its default with a warning; the URL survives', () => {
    const dir = dataDir();
    writeFileSync(fileOf(dir), JSON.stringify({ url: 'https://example.com/hook', queueSize: 'lots' }));
    const opened = openElectronStore(Store, dir);
    const settings = new SettingsService(opened.kv, opened.warnings);
    expect(settings.get().url).toBe('https://example.com/hook');
    expect(settings.get().queueSize).toBe(1024);
    expect(settings.warnings.join('\n')).toMatch(/queueSize/);
  });

  it('an unreadable file is set aside, not lost, and reported', () => {
    const dir = dataDir();
    writeFileSync(fileOf(dir), '{"url": "https://exa');
    const opened = openElectronStore(Store, dir, () => Date.UTC(2025, 0, 2, 3, 4, 5));
    expect(opened.warnings[0]).toMatch(/could not be read.*set aside as .*settings\.json\.broken-2025-01-02T03-04-05-000Z/);
    expect(readFileSync(`${fileOf(dir)}.broken-2025-01-02T03-04-05-000Z`, 'utf8')).toBe('{"url": "https://exa');
  });
});

describe('signing secret with safeStorage', () => {
  it('is stored encrypted (base64), never in clear, and read back', () => {
    const dir = dataDir();
    const opened = openElectronStore(Store, dir);
    const safe = new FakeSafeStorage();
    const secrets = safeSecretStore(opened.kv, safe, 'linux');
    const settings = new SettingsService(opened.kv, [], secrets);
    settings.update({ secret: 'whsec_c2VjcmV0LXZhbHVl' });
    const text = readFileSync(fileOf(dir), 'utf8');
    expect(text).not.toContain('whsec_c2VjcmV0LXZhbHVl');
    const stored = onDisk(dir)[ENCRYPTED_SECRET_KEY] as string;
    expect(safe.decryptString(Buffer.from(stored, 'base64'))).toBe('whsec_c2VjcmV0LXZhbHVl');
    expect(secrets.warnings).toStrictEqual([]);

    // A new start reads it back through the keychain.
    const again = openElectronStore(Store, dir);
    expect(new SettingsService(again.kv, [], safeSecretStore(again.kv, safe, 'linux')).get().secret).toBe('whsec_c2VjcmV0LXZhbHVl');

    settings.update({ secret: null });
    expect(onDisk(dir)).not.toHaveProperty(ENCRYPTED_SECRET_KEY);
  });

  it('a secret left in clear (by the headless host) is moved into the encrypted key', () => {
    const dir = dataDir();
    writeFileSync(fileOf(dir), JSON.stringify({ [PLAIN_SECRET_KEY]: 'plain-secret' }));
    const opened = openElectronStore(Store, dir);
    const settings = new SettingsService(opened.kv, [], safeSecretStore(opened.kv, new FakeSafeStorage(), 'darwin'));
    expect(settings.get().secret).toBe('plain-secret');
    expect(onDisk(dir)).not.toHaveProperty(PLAIN_SECRET_KEY);
    expect(readFileSync(fileOf(dir), 'utf8')).not.toContain('plain-secret');
  });

  it('without a keychain it is kept in the owner-only file, and the user is told', () => {
    const dir = dataDir();
    const opened = openElectronStore(Store, dir);
    const safe = new FakeSafeStorage();
    safe.available = false;
    const secrets = safeSecretStore(opened.kv, safe, 'linux');
    new SettingsService(opened.kv, [], secrets).update({ secret: 's3' });
    expect(onDisk(dir)[PLAIN_SECRET_KEY]).toBe('s3');
    expect(secrets.warnings.join('\n')).toMatch(/keychain is not available/);
  });

  it("Linux's basic_text backend is named for what it is", () => {
    const dir = dataDir();
    const safe = new FakeSafeStorage();
    safe.backend = 'basic_text';
    expect(safeSecretStore(openElectronStore(Store, dir).kv, safe, 'linux').warnings.join('\n')).toMatch(/only obfuscated/);
  });

  it('a secret the keychain can no longer decrypt is dropped with a warning, not a crash', () => {
    const dir = dataDir();
    writeFileSync(fileOf(dir), JSON.stringify({ [ENCRYPTED_SECRET_KEY]: Buffer.from('garbage').toString('base64') }));
    const opened = openElectronStore(Store, dir);
    const secrets = safeSecretStore(opened.kv, new FakeSafeStorage(), 'win32');
    const settings = new SettingsService(opened.kv, [], secrets);
    expect(settings.get().secret).toBeNull();
    expect(secrets.warnings.join('\n')).toMatch(/could not be decrypted/);
  });
});
