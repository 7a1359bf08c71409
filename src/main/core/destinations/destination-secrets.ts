// Where each destination's secrets live: its signing secret and its extra headers' values (an
// n8n token, a Basic login). Kept apart from the destination list so the list can be shown and
// logged while these never are. The headless host keeps them in its owner-only settings file
// (like the single secret before); the Electron shell swaps in a store encrypted with safeStorage
// (shell/electron-settings-store.ts).

import type { KeyValueStore } from '../settings/settings-schema';

export interface SecretBundle {
  secret: string | null;
  headers: Record<string, string>;
}

export const EMPTY_BUNDLE: Readonly<SecretBundle> = Object.freeze({ secret: null, headers: {} });

export interface DestinationSecrets {
  get(id: string): SecretBundle;
  /** null removes the destination's secrets */
  set(id: string, bundle: SecretBundle | null): void;
  /** what the user should know about how they are kept (no keychain, …) */
  readonly warnings: readonly string[];
}

/** Settings key of the clear-text bundles (headless: the file is 0600, as for the single secret). */
export const PLAIN_SECRETS_KEY = 'destinationSecrets';

/** Reads one stored bundle defensively: a hand-edited file may hold anything. */
export function readBundle(raw: unknown): SecretBundle {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { secret: null, headers: {} };
  const o = raw as Record<string, unknown>;
  const headers: Record<string, string> = {};
  if (typeof o.headers === 'object' && o.headers !== null && !Array.isArray(o.headers)) {
    for (const [k, v] of Object.entries(o.headers as Record<string, unknown>)) if (typeof v === 'string') headers[k] = v;
  }
  return { secret: typeof o.secret === 'string' && o.secret !== '' ? o.secret : null, headers };
}

export function isEmptyBundle(b: SecretBundle): boolean {
  return b.secret === null && Object.keys(b.headers).length === 0;
}

/** Bundles in clear under PLAIN_SECRETS_KEY: the headless host's store. */
export function plainDestinationSecrets(kv: KeyValueStore): DestinationSecrets {
  const all = (): Record<string, unknown> => {
    const raw = kv.store[PLAIN_SECRETS_KEY];
    return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  };
  return {
    warnings: [],
    get: (id) => readBundle(all()[id]),
    set: (id, bundle) => {
      const next = { ...all() };
      if (bundle === null || isEmptyBundle(bundle)) delete next[id];
      else next[id] = { secret: bundle.secret, headers: { ...bundle.headers } };
      kv.set(PLAIN_SECRETS_KEY, next);
    },
  };
}
