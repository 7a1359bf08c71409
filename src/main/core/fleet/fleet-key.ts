// The fleet key: 32 random bytes, shared by every process of a fleet in a file holding their
// base64 and a newline (mode 0600), that encrypts the destinations' secrets and header values in
// the fleet's KV bucket with AES-256-GCM. The NATS servers (and anyone who can read the bucket)
// see ciphertext only.
//
// A wrong key is found before any secret is touched: the bucket holds a key check (a known text
// encrypted with the key that first wrote it), and a process whose key cannot open it decrypts
// nothing and says so.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

export const FLEET_KEY_BYTES = 32;
/** GCM's recommended nonce size; a fresh random one per value. */
const IV_BYTES = 12;
/** Prefix of every encrypted value: the format can change without guessing. */
const FORMAT = 'v1';
/** What the key check encrypts: any fixed text would do, this one says what it is. */
const KEY_CHECK_TEXT = 'pilot-webhook-desktop fleet key check';
/** Permission bits other users must not have on the key file. */
const GROUP_OTHER_BITS = 0o077;

export class FleetKeyError extends Error {}

/** How to make a key file, said in every refusal. */
export const MAKE_KEY_HINT =
  "create one with: node -e \"process.stdout.write(require('crypto').randomBytes(32).toString('base64')+'\\n')\" > fleet.key && chmod 600 fleet.key";

/**
 * Reads and checks a fleet key file: owner-only, base64 of exactly 32 bytes (one trailing newline
 * allowed). `label` names where the path came from in every refusal (the flag, or the setting).
 */
export function readFleetKeyFile(path: string, label = '--fleet-key-file'): Buffer {
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FleetKeyError(`${label} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${MAKE_KEY_HINT}`);
  }
  if (process.platform !== 'win32' && (mode & GROUP_OTHER_BITS) !== 0) {
    throw new FleetKeyError(
      `${label} ${path} is readable by other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); it unlocks every destination secret of the fleet: chmod 600 ${path}`,
    );
  }
  const b64 = text.replace(/\r?\n$/, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    throw new FleetKeyError(`${label} ${path} must hold the base64 of ${FLEET_KEY_BYTES} random bytes and a newline; ${MAKE_KEY_HINT}`);
  }
  const key = Buffer.from(b64, 'base64');
  if (key.length !== FLEET_KEY_BYTES) {
    throw new FleetKeyError(`${label} ${path} holds ${key.length} bytes, not ${FLEET_KEY_BYTES}; ${MAKE_KEY_HINT}`);
  }
  return key;
}

export class FleetCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== FLEET_KEY_BYTES) throw new RangeError(`a fleet key has ${FLEET_KEY_BYTES} bytes`);
  }

  /** `v1:<iv>:<tag>:<ciphertext>`, base64 parts. `context` (the KV key) is bound as associated data. */
  encrypt(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return [FORMAT, iv.toString('base64'), c.getAuthTag().toString('base64'), ct.toString('base64')].join(':');
  }

  /** Throws FleetKeyError when the value was not encrypted with this key (or for this context). */
  decrypt(sealed: string, context: string): string {
    const [format, iv, tag, ct] = sealed.split(':');
    if (format !== FORMAT || iv === undefined || tag === undefined || ct === undefined) {
      throw new FleetKeyError(`the stored value for ${context} is not in the fleet's encrypted format`);
    }
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      d.setAAD(Buffer.from(context, 'utf8'));
      d.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([d.update(Buffer.from(ct, 'base64')), d.final()]).toString('utf8');
    } catch {
      throw new FleetKeyError(`the stored value for ${context} cannot be opened with this fleet key`);
    }
  }

  /** The key check a fleet's first process stores. */
  makeKeyCheck(): string {
    return this.encrypt(KEY_CHECK_TEXT, 'keycheck');
  }

  /** True when this key wrote the stored key check. */
  opensKeyCheck(stored: string): boolean {
    try {
      return this.decrypt(stored, 'keycheck') === KEY_CHECK_TEXT;
    } catch {
      return false;
    }
  }
}
