// The settings file, mistreated: truncated at every byte, wrong types, wrong versions, binary
// garbage, a directory in its place, a read-only data folder. The app's start (openConfStore +
// SettingsService) must go on with a warning naming the problem; where it cannot go on (the data
// folder cannot be created at all), the error says which folder and why.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { DEFAULT_SETTINGS, SETTINGS_KEYS, SETTINGS_VERSION } from '../../src/main/core/settings/settings-schema';

let root: string;
let n = 0;
const tried: Record<string, number> = {};
const immutable: string[] = [];

function count(kind: string): void {
  tried[kind] = (tried[kind] ?? 0) + 1;
}

/** A fresh data folder per input. */
function freshDir(): string {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  return d;
}

function start(dataDir: string): SettingsService {
  const opened = openConfStore(dataDir);
  return new SettingsService(opened.kv, opened.warnings);
}

/** chattr +i: read-only even for root (these tests may run as root, where chmod stops nothing). */
function makeImmutable(path: string): boolean {
  try {
    execFileSync('chattr', ['+i', path], { stdio: 'ignore' });
    immutable.push(path);
    return true;
  } catch {
    return false;
  }
}

const GOOD = {
  settingsVersion: SETTINGS_VERSION,
  url: 'http://127.0.0.1:8080/hook',
  timeoutMs: 2500,
  queueSize: 64,
  onQuit: 'clear',
  secret: 'whsec_c2VjcmV0',
};

beforeEach(() => {
  root ??= mkdtempSync(join(tmpdir(), 'pwd-hard-settings-'));
});

afterEach(() => {
  for (const p of immutable.splice(0)) execFileSync('chattr', ['-i', p], { stdio: 'ignore' });
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  const total = Object.values(tried).reduce((a, b) => a + b, 0);
  console.log(`[hardening] settings file: ${total} hostile files tried ${JSON.stringify(tried)}`);
});

describe('settings file under abuse: the app starts, with a warning', () => {
  it('starts from a file truncated at every byte', () => {
    const text = JSON.stringify(GOOD, null, 2);
    for (let cut = 0; cut < text.length; cut++) {
      count('truncated');
      const d = freshDir();
      writeFileSync(join(d, 'settings.json'), text.slice(0, cut));
      const s = start(d);
      if (cut === 0) {
        // An empty file: conf reads it as no settings at all.
        expect(s.get().url).toBeNull();
        continue;
      }
      expect(s.warnings.join('\n'), `cut at ${cut}`).toMatch(/could not be read .*set aside as .*\.broken-/);
      expect(s.get()).toEqual({ ...DEFAULT_SETTINGS, secret: null });
      // Nothing lost: the broken file is kept beside, byte for byte.
      const aside = readdirSync(d).find((f) => f.includes('.broken-'))!;
      expect(readFileSync(join(d, aside), 'utf8')).toBe(text.slice(0, cut));
    }
  });

  it('starts from binary garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), (bytes) => {
        count('binary-garbage');
        const d = freshDir();
        writeFileSync(join(d, 'settings.json'), bytes);
        const s = start(d);
        expect(s.get().timeoutMs).toBeGreaterThan(0);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps every good field and names every bad one, whatever the types', () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(-1, 0, 1e308, 'restore', 'clear', true, null, 'http://169.254.169.254/'));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...SETTINGS_KEYS, '__proto__', 'constructor', 'settingsVersion'), value, { maxKeys: 8 }), (raw) => {
        count('wrong-types');
        const d = freshDir();
        const text = JSON.stringify(raw);
        writeFileSync(join(d, 'settings.json'), text);
        // What the file holds, not what was generated: JSON has no -0 (fast-check's -0 is written as 0).
        const written = JSON.parse(text) as Record<string, unknown>;
        const s = start(d);
        const got = s.get() as unknown as Record<string, unknown>;
        for (const key of SETTINGS_KEYS) {
          if (key === 'secret') continue;
          if (!(key in written)) expect(got[key]).toEqual(DEFAULT_SETTINGS[key]);
          else if (!isDeepStrictEqual(got[key], written[key]) && !(key === 'url' && written[key] !== null)) {
            // A refused value is replaced by its default and named in a warning.
            expect(got[key]).toEqual(DEFAULT_SETTINGS[key]);
            expect(s.warnings.join('\n')).toContain(`"${key}"`);
          }
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('warns about a wrong settings version and reads the fields one by one', () => {
    for (const version of [0, -1, '1', null, 99, [], {}, 1.5]) {
      count('wrong-version');
      const d = freshDir();
      writeFileSync(join(d, 'settings.json'), JSON.stringify({ ...GOOD, settingsVersion: version }));
      const s = start(d);
      expect(s.get().url).toBe(GOOD.url);
      expect(s.warnings.join('\n')).toMatch(/newer version|unknown settings version/);
    }
  });

  it('sets a directory standing where the file should be aside, and starts', () => {
    count('directory-in-place');
    const d = freshDir();
    mkdirSync(join(d, 'settings.json'));
    writeFileSync(join(d, 'settings.json', 'inside'), 'kept');
    const s = start(d);
    expect(s.warnings.join('\n')).toMatch(/could not be read \(EISDIR.*set aside/);
    s.update({ url: GOOD.url });
    expect(start(d).get().url).toBe(GOOD.url);
    const aside = readdirSync(d).find((f) => f.includes('.broken-'))!;
    expect(readFileSync(join(d, aside, 'inside'), 'utf8')).toBe('kept');
  });

  it('starts from a read-only data folder (with and without a file), and says why a change is not saved', (ctx) => {
    count('read-only-folder');
    const withFile = freshDir();
    writeFileSync(join(withFile, 'settings.json'), JSON.stringify(GOOD));
    const empty = freshDir();
    const legacy = freshDir();
    writeFileSync(join(legacy, 'settings.json'), JSON.stringify({ url: GOOD.url })); // no version yet: start writes one
    if (![withFile, empty, legacy].every(makeImmutable)) ctx.skip();
    for (const d of [withFile, empty, legacy]) {
      const s = start(d);
      expect(s.get().url).toBe(d === empty ? null : GOOD.url);
      if (d !== withFile) expect(s.warnings.join('\n')).toMatch(/could not be saved/);
      expect(() => s.update({ timeoutMs: 3000 })).toThrow(/could not be saved .*settings\.json/);
      expect(s.get().timeoutMs).not.toBe(3000);
    }
  });

  it('a read-only settings file (in a writable folder) is still replaced on change', () => {
    count('read-only-file');
    const d = freshDir();
    writeFileSync(join(d, 'settings.json'), JSON.stringify(GOOD));
    chmodSync(join(d, 'settings.json'), 0o400);
    const s = start(d);
    s.update({ timeoutMs: 3000 });
    expect(start(d).get().timeoutMs).toBe(3000);
  });

  it('cannot start without a data folder, and says which and why', () => {
    count('no-folder');
    const d = freshDir();
    writeFileSync(join(d, 'not-a-dir'), 'x');
    expect(() => start(join(d, 'not-a-dir', 'data'))).toThrow(/settings folder .*not-a-dir\/data.*(ENOTDIR|EEXIST)/);
  });
});
