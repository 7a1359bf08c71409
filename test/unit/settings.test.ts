import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { DEFAULT_SETTINGS, readSettings } from '../../src/main/core/settings/settings-schema';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pwd-settings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = () => join(dir, 'settings.json');

function open() {
  const o = openConfStore(dir, () => Date.UTC(2026, 10, 30, 12, 0, 0));
  return new SettingsService(o.kv, o.warnings);
}

describe('settings defaults', () => {
  it('are the reference plugin values', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({
      queueSize: 1024,
      timeoutMs: 5000,
      maxAttempts: 3,
      retryBackoffMs: 1000,
      circuitThreshold: 5,
      circuitCooldownMs: 30_000,
      url: null,
    });
    const s = open();
    expect(s.get()).toEqual({ ...DEFAULT_SETTINGS, secret: null });
    expect(s.warnings).toEqual([]);
  });
});

describe('settings file', () => {
  it('persists updates, owner-only, and reads them back', () => {
    const s = open();
    s.update({ url: 'https://hooks.example.test/pilot', timeoutMs: 2500, secret: 'whsec_abc' });
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    const again = open();
    expect(again.get().url).toBe('https://hooks.example.test/pilot');
    expect(again.get().timeoutMs).toBe(2500);
    expect(again.get().secret).toBe('whsec_abc');
  });

  it('refuses a bad value on update and keeps the old one', () => {
    const s = open();
    expect(() => s.update({ timeoutMs: -1 })).toThrow(/timeoutMs.*whole number/);
    expect(() => s.update({ onQuit: 'forget' as never })).toThrow(/"restore" or "clear"/);
    expect(s.get().timeoutMs).toBe(5000);
  });

  it('sets aside a file that is not JSON and reports it', () => {
    writeFileSync(file(), '{"url": "http://127.0.0.1:9/x", "timeoutMs": 12');
    const s = open();
    expect(s.get().url).toBeNull();
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/could not be read .* set aside as .*settings\.json\.broken-2026-11-30T12-00-00-000Z/);
    const aside = readdirSync(dir).find((f) => f.includes('.broken-'))!;
    // Nothing lost: the broken file is kept as it was.
    expect(readFileSync(join(dir, aside), 'utf8')).toContain('"timeoutMs": 12');
  });

  it('sets aside a file holding JSON that is not an object', () => {
    writeFileSync(file(), '[1,2,3]');
    const s = open();
    expect(s.warnings[0]).toMatch(/set aside/);
    expect(s.get()).toEqual({ ...DEFAULT_SETTINGS, secret: null });
  });

  it('keeps good fields when others have the wrong type, naming each bad one', () => {
    writeFileSync(file(), JSON.stringify({ url: 'http://127.0.0.1:8080/hook', timeoutMs: 'fast', queueSize: 0, jitter: 'yes' }));
    const s = open();
    expect(s.get().url).toBe('http://127.0.0.1:8080/hook');
    expect(s.get().timeoutMs).toBe(5000);
    expect(s.get().queueSize).toBe(1024);
    expect(s.warnings.join('\n')).toMatch(/"timeoutMs"/);
    expect(s.warnings.join('\n')).toMatch(/"queueSize"/);
    expect(s.warnings.join('\n')).toMatch(/"jitter"/);
  });

  it('ignores a persisted URL that no longer passes the rules, with a warning', () => {
    writeFileSync(file(), JSON.stringify({ url: 'http://169.254.169.254/latest/meta-data' }));
    const s = open();
    expect(s.get().url).toBeNull();
    expect(s.warnings[0]).toMatch(/saved webhook URL http:\/\/169\.254\.169\.254\/latest\/meta-data was ignored/);
  });

  it('warns about a file from a newer version and still reads known fields', () => {
    writeFileSync(file(), JSON.stringify({ settingsVersion: 99, url: 'http://localhost:3000/x', future: true }));
    const s = open();
    expect(s.get().url).toBe('http://localhost:3000/x');
    expect(s.warnings[0]).toMatch(/newer version/);
  });
});

describe('readSettings', () => {
  it('ignores unknown keys and fills defaults', () => {
    const { settings, warnings } = readSettings({ nonsense: 1, maxAttempts: 4 });
    expect(settings.maxAttempts).toBe(4);
    expect(settings.queueSize).toBe(1024);
    expect(warnings).toEqual([]);
  });
});
