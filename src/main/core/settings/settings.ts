// The app's settings over any KeyValueStore (conf headless, electron-store in the shell):
// validated on read and on write, with warnings the window shows.

import { maskUrlCredentials } from '../../../shared/url-mask';
import { checkWebhookUrl } from '../../../shared/url-rules';
import {
  DEFAULT_SETTINGS,
  FIELD_CHECKS,
  SETTINGS_VERSION,
  readSettings,
  type KeyValueStore,
  type Settings,
} from './settings-schema';

/** Where the file records the schema version it was written with. */
const VERSION_KEY = 'settingsVersion';

/** Keeps the signing secret; the shell swaps in one backed by Electron's safeStorage. */
export interface SecretStore {
  get(): string | null;
  set(secret: string | null): void;
}

export class SettingsService {
  private current: Settings;
  readonly warnings: string[];

  constructor(
    /** the settings file itself: the destination list is kept beside the settings, in it */
    readonly kv: KeyValueStore,
    initialWarnings: string[] = [],
    private readonly secretStore: SecretStore = {
      get: () => (typeof kv.store.secret === 'string' ? kv.store.secret : null),
      set: (s) => (s === null ? kv.delete('secret') : kv.set('secret', s)),
    },
  ) {
    this.warnings = [...initialWarnings];
    const raw = { ...kv.store };
    const version = raw[VERSION_KEY];
    if (version !== undefined && version !== SETTINGS_VERSION) {
      if (typeof version === 'number' && version > SETTINGS_VERSION) {
        this.warnings.push(
          `The settings file was written by a newer version (settings version ${version}); fields this version does not know are ignored.`,
        );
      } else {
        this.warnings.push(`The settings file has an unknown settings version (${JSON.stringify(version)}); each field was checked on its own.`);
      }
    }
    const { settings, warnings } = readSettings(raw);
    this.warnings.push(...warnings);
    // Like the plugin's LoadPersistedURL: a stored URL that no longer passes the rules is
    // ignored (and the user told), not delivered to.
    if (settings.url !== null) {
      const check = checkWebhookUrl(settings.url);
      if (!check.ok) {
        this.warnings.push(`The saved webhook URL ${maskUrlCredentials(settings.url)} was ignored: ${check.message}`);
        settings.url = null;
      }
    }
    settings.secret = this.secretStore.get();
    this.current = settings;
    if (version !== SETTINGS_VERSION) {
      // A read-only data folder must not stop the app: it runs on what it read, and says so.
      try {
        kv.set(VERSION_KEY, SETTINGS_VERSION);
      } catch (err) {
        this.warnings.push(`${saveFailure(kv.path, err)}; changes made while the app runs will not be kept.`);
      }
    }
  }

  get(): Readonly<Settings> {
    return this.current;
  }

  /** Validates and stores the given fields; throws with the field's problem on a bad value. */
  update(patch: Partial<Settings>): void {
    for (const [key, value] of Object.entries(patch) as [keyof Settings, unknown][]) {
      if (!(key in DEFAULT_SETTINGS)) throw new Error(`Unknown setting "${key}".`);
      const problem = FIELD_CHECKS[key](value);
      if (problem) throw new Error(`Setting "${key}" ${problem}.`);
    }
    try {
      for (const [key, value] of Object.entries(patch) as [keyof Settings, unknown][]) {
        if (key === 'secret') this.secretStore.set(value as string | null);
        else if (value === null) this.kv.delete(key);
        else this.kv.set(key, value);
      }
    } catch (err) {
      // The store's own error names a temporary file; say which settings file and why instead.
      throw new Error(`${saveFailure(this.kv.path, err)}.`, { cause: err });
    }
    this.current = { ...this.current, ...patch };
  }
}

function saveFailure(path: string, err: unknown): string {
  const reason = (err as { code?: unknown }).code ?? (err instanceof Error ? err.message : String(err));
  return `The settings could not be saved to ${path} (${String(reason)}: is the data folder read-only or full?)`;
}
