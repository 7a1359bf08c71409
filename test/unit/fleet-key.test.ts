import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { FleetCipher, FleetKeyError, readFleetKeyFile } from '../../src/main/core/fleet/fleet-key';

const dir = mkdtempSync(join(tmpdir(), 'pilot-fleet-key-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyFile(name: string, text: string, mode = 0o600): string {
  const p = join(dir, name);
  writeFileSync(p, text, { mode });
  chmodSync(p, mode);
  return p;
}

describe('readFleetKeyFile', () => {
  test('reads base64 of 32 bytes with or without the newline', () => {
    const key = randomBytes(32);
    expect(readFleetKeyFile(keyFile('a', `${key.toString('base64')}\n`)).equals(key)).toBe(true);
    expect(readFleetKeyFile(keyFile('b', key.toString('base64'))).equals(key)).toBe(true);
  });
  test.each([
    ['group-readable', `${randomBytes(32).toString('base64')}\n`, 0o640, /readable by other users \(mode 640\)/],
    ['too short', `${randomBytes(31).toString('base64')}\n`, 0o600, /holds 31 bytes, not 32/],
    ['not base64', 'this is not a key!\n', 0o600, /must hold the base64 of 32 random bytes/],
    ['empty', '', 0o600, /must hold the base64/],
  ])('%s: refused with the reason and how to make one', (name, text, mode, reason) => {
    const p = keyFile(name, text, mode);
    expect(() => readFleetKeyFile(p)).toThrow(FleetKeyError);
    expect(() => readFleetKeyFile(p)).toThrow(reason);
  });
  test('a missing file names the error code', () => {
    expect(() => readFleetKeyFile(join(dir, 'nope'))).toThrow(/cannot be read \(ENOENT\)/);
  });
});

describe('FleetCipher', () => {
  const a = new FleetCipher(randomBytes(32));
  const b = new FleetCipher(randomBytes(32));
  test('round-trips, with a fresh nonce each time', () => {
    const one = a.encrypt('whsec_abc', 'destination.primary/secret');
    const two = a.encrypt('whsec_abc', 'destination.primary/secret');
    expect(one).not.toBe(two);
    expect(one).not.toContain('whsec_abc');
    expect(a.decrypt(one, 'destination.primary/secret')).toBe('whsec_abc');
  });
  test('another key cannot open a value, nor can the same key under another context', () => {
    const sealed = a.encrypt('Bearer t0ken', 'destination.x/header/authorization');
    expect(() => b.decrypt(sealed, 'destination.x/header/authorization')).toThrow(/cannot be opened with this fleet key/);
    expect(() => a.decrypt(sealed, 'destination.y/header/authorization')).toThrow(FleetKeyError);
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => a.decrypt(tampered, 'destination.x/header/authorization')).toThrow(FleetKeyError);
    expect(() => a.decrypt('plain text', 'k')).toThrow(/not in the fleet's encrypted format/);
  });
  test('the key check tells the fleet key from any other', () => {
    const check = a.makeKeyCheck();
    expect(a.opensKeyCheck(check)).toBe(true);
    expect(b.opensKeyCheck(check)).toBe(false);
    expect(a.opensKeyCheck('garbage')).toBe(false);
  });
  test('only 32-byte keys', () => {
    expect(() => new FleetCipher(randomBytes(16))).toThrow(RangeError);
  });
});
