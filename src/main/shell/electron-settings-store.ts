// The shell's settings: the same file layout and the same field checks as the headless `conf`
// store (core/settings: SettingsService reads both through KeyValueStore), kept by electron-store,
// with the signing secret encrypted by the OS keychain through safeStorage.
//
// electron-store loads 'electron' when imported, so its class is passed in by the composition
// root; this file only uses its type.

import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type ElectronStore from 'electron-store';
import { SETTINGS_FILE_NAME, unreadableReason, type OpenedStore } from '../core/settings/conf-store';
import type { KeyValueStore } from '../core/settings/settings-schema';
import type { SecretStore } from '../core/settings/settings';
import type { ShellElectron } from './electron-api';
import {
  isEmptyBundle,
  PLAIN_SECRETS_KEY,
  plainDestinationSecrets,
  readBundle,
  type DestinationSecrets,
} from '../core/destinations/destination-secrets';

/** Owner-only, as the headless file: it may hold the (encrypted) secret and the webhook URL. */
const SETTINGS_FILE_MODE = 0o600;

/** Where the encrypted secret lives (base64 of safeStorage's ciphertext). */
export const ENCRYPTED_SECRET_KEY = 'secretEncrypted';
/** Where the headless store keeps the secret in clear; moved into ENCRYPTED_SECRET_KEY when possible. */
export const PLAIN_SECRET_KEY = 'secret';

export type ElectronStoreClass = new (options: ConstructorParameters<typeof ElectronStore>[0]) => ElectronStore;

function open(Store: ElectronStoreClass, dataDir: string): KeyValueStore {
  const store = new Store({
    cwd: dataDir,
    name: SETTINGS_FILE_NAME,
    configFileMode: SETTINGS_FILE_MODE,
    // Checked field by field by SettingsService, so one bad value never wipes the user's URL.
    clearInvalidConfig: false,
  });
  const raw = store.store as unknown;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error('the file does not hold a JSON object');
  }
  return store as unknown as KeyValueStore;
}

/** Like openConfStore: an unreadable file is set aside beside itself and reported, never lost. */
export function openElectronStore(Store: ElectronStoreClass, dataDir: string, now: () => number = Date.now): OpenedStore {
  try {
    return { kv: open(Store, dataDir), warnings: [] };
  } catch (err) {
    const file = join(dataDir, `${SETTINGS_FILE_NAME}.json`);
    if (!existsSync(file)) throw err;
    const reason = unreadableReason(err);
    const aside = `${file}.broken-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`;
    renameSync(file, aside);
    return {
      kv: open(Store, dataDir),
      warnings: [`The settings file ${file} could not be read (${reason}); it was set aside as ${aside} and defaults are in use.`],
    };
  }
}

export interface SafeSecretStore extends SecretStore {
  /** what the user should know about how the secret is kept */
  readonly warnings: readonly string[];
}

/**
 * Keeps the secret encrypted with safeStorage when the OS offers encryption; otherwise in clear in
 * the owner-only file, as the headless host does, and says so. A secret found in clear is moved
 * into the encrypted key as soon as encryption is available.
 */
export function safeSecretStore(kv: KeyValueStore, safeStorage: ShellElectron['safeStorage'], platform: NodeJS.Platform): SafeSecretStore {
  const warnings: string[] = [];
  const canEncrypt = safeStorage.isEncryptionAvailable();
  if (!canEncrypt) {
    warnings.push('The system keychain is not available: the signing secret is kept unencrypted in the settings file (readable by your user only).');
  } else if (platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
    // Chromium's fallback on Linux without a secret service: "encrypted" with a fixed key.
    warnings.push('No keyring (GNOME Keyring, KWallet) was found: the signing secret is only obfuscated in the settings file.');
  }

  const put = (secret: string | null): void => {
    kv.delete(ENCRYPTED_SECRET_KEY);
    kv.delete(PLAIN_SECRET_KEY);
    if (secret === null) return;
    if (canEncrypt) kv.set(ENCRYPTED_SECRET_KEY, safeStorage.encryptString(secret).toString('base64'));
    else kv.set(PLAIN_SECRET_KEY, secret);
  };

  const stored = kv.store;
  const plain = stored[PLAIN_SECRET_KEY];
  if (canEncrypt && typeof plain === 'string') put(plain);

  return {
    warnings,
    get: () => {
      const s = kv.store;
      const encrypted = s[ENCRYPTED_SECRET_KEY];
      if (typeof encrypted === 'string') {
        if (!canEncrypt) {
          warnings.push('The saved signing secret is encrypted, but the system keychain is not available now; it is not used.');
          return null;
        }
        try {
          return safeStorage.decryptString(Buffer.from(encrypted, 'base64'));
        } catch {
          // A keychain that changed (another user profile, a reset keyring) cannot open it.
          warnings.push('The saved signing secret could not be decrypted (the system keychain changed); set it again.');
          return null;
        }
      }
      const clear = s[PLAIN_SECRET_KEY];
      return typeof clear === 'string' ? clear : null;
    },
    set: put,
  };
}

/** Where the destinations' encrypted secret bundles live: id → base64 of safeStorage's ciphertext. */
export const ENCRYPTED_DESTINATION_SECRETS_KEY = 'destinationSecretsEncrypted';

/**
 * The destinations' signing secrets and header values, each destination's bundle encrypted with
 * safeStorage when the OS offers encryption (else in clear in the owner-only file, said so).
 * Bundles found in clear are moved into the encrypted key as soon as encryption is available.
 */
export function safeDestinationSecrets(kv: KeyValueStore, safeStorage: ShellElectron['safeStorage']): DestinationSecrets {
  const plain = plainDestinationSecrets(kv);
  if (!safeStorage.isEncryptionAvailable()) {
    return { ...plain, warnings: ['The system keychain is not available: destination secrets and header values are kept unencrypted in the settings file (readable by your user only).'] };
  }
  const warnings: string[] = [];
  const encrypted = (): Record<string, unknown> => {
    const raw = kv.store[ENCRYPTED_DESTINATION_SECRETS_KEY];
    return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  };
  const store: DestinationSecrets = {
    warnings,
    get: (id) => {
      const value = encrypted()[id];
      if (typeof value !== 'string') return { secret: null, headers: {} };
      try {
        return readBundle(JSON.parse(safeStorage.decryptString(Buffer.from(value, 'base64'))));
      } catch {
        warnings.push(`The saved secrets of destination ${id} could not be decrypted (the system keychain changed); set them again.`);
        return { secret: null, headers: {} };
      }
    },
    set: (id, bundle) => {
      const next = { ...encrypted() };
      if (bundle === null || isEmptyBundle(bundle)) delete next[id];
      else next[id] = safeStorage.encryptString(JSON.stringify(bundle)).toString('base64');
      kv.set(ENCRYPTED_DESTINATION_SECRETS_KEY, next);
    },
  };
  // Bundles a headless run (or a keychain-less session) left in clear move into the encrypted key.
  const clear = kv.store[PLAIN_SECRETS_KEY];
  if (typeof clear === 'object' && clear !== null && !Array.isArray(clear)) {
    for (const id of Object.keys(clear)) store.set(id, plain.get(id));
    kv.delete(PLAIN_SECRETS_KEY);
  }
  return store;
}
