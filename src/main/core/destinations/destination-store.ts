// The destination list as the settings keep it, and the one-time migration of the single-URL
// settings (url, secret, topicFilters) to one primary destination. Every change is checked before
// anything is written and written before memory changes, so a refused or failed change leaves
// both the file and the running app as they were ("nothing half-saved").

import {
  CONCURRENCY_MAX,
  CONCURRENCY_MIN,
  isUsableConcurrency,
  MAX_DESTINATIONS,
  migrateLegacySettings,
  type DestinationConfig,
  type LegacyDeliverySettings,
} from '../../../shared/destination';
import { checkTopicFilters } from '../../../shared/topic-patterns';
import { isFormatName } from '../../../shared/formats/format-names';
import { compileTemplate } from '../../../shared/formats/custom-template';
import type { KeyValueStore } from '../settings/settings-schema';
import { EMPTY_BUNDLE, type DestinationSecrets, type SecretBundle } from './destination-secrets';

/** Settings key of the destination list (configs only; secrets are in DestinationSecrets). */
export const DESTINATIONS_KEY = 'destinations';

/** Why a stored entry cannot be used, or null: a hand-edited file is checked entry by entry. */
function storedProblem(raw: unknown, seen: Set<string>): string | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'is not an object';
  const d = raw as Record<string, unknown>;
  if (typeof d.id !== 'string' || d.id === '' || seen.has(d.id)) return 'has no id of its own';
  if (typeof d.url !== 'string') return 'has no URL';
  if (typeof d.name !== 'string' || d.name === '') return 'has no name';
  if (!isFormatName(d.format)) return `has an unknown format ${JSON.stringify(d.format)}`;
  if (typeof d.enabled !== 'boolean' || typeof d.primary !== 'boolean') return 'has a bad enabled/primary flag';
  if (!Array.isArray(d.topics) || checkTopicFilters(d.topics) !== null) return 'has bad topic patterns';
  if (d.rateLimit !== null && (typeof d.rateLimit !== 'object' || typeof (d.rateLimit as { perMinute?: unknown }).perMinute !== 'number')) return 'has a bad rate limit';
  if (d.format === 'custom') {
    if (typeof d.template !== 'string') return 'is custom without a template';
    try {
      compileTemplate(d.template);
    } catch (err) {
      return `has a template that no longer compiles (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  return null;
}

function copy(d: DestinationConfig): DestinationConfig {
  return { ...d, topics: [...d.topics], rateLimit: d.rateLimit ? { ...d.rateLimit } : null };
}

export class DestinationStore {
  private list: DestinationConfig[];
  readonly warnings: string[] = [];

  constructor(
    private readonly kv: KeyValueStore,
    private readonly secrets: DestinationSecrets,
    legacy: () => LegacyDeliverySettings,
  ) {
    this.warnings.push(...secrets.warnings);
    const raw = kv.store[DESTINATIONS_KEY];
    if (raw === undefined) {
      const migrated = migrateLegacySettings(legacy());
      this.list = migrated.destinations;
      // Written at once: from now on the list is the truth (a read-only folder: run on it, say so).
      try {
        for (const [id, secret] of Object.entries(migrated.secrets)) secrets.set(id, { secret, headers: {} });
        kv.set(DESTINATIONS_KEY, this.list);
      } catch (err) {
        this.warnings.push(`The destinations could not be saved (${err instanceof Error ? err.message : String(err)}); changes will not be kept.`);
      }
      return;
    }
    this.list = [];
    if (!Array.isArray(raw)) {
      this.warnings.push('The saved destinations are not a list; none were loaded (the file was left as it is).');
      return;
    }
    const seen = new Set<string>();
    raw.forEach((entry, i) => {
      const problem = storedProblem(entry, seen);
      if (problem) {
        this.warnings.push(`Saved destination #${i + 1} ${problem}; it was skipped.`);
        return;
      }
      const d = { ...(entry as DestinationConfig) };
      // A bad concurrency alone does not lose the destination: it takes the app-wide setting.
      if (!isUsableConcurrency(d.concurrency)) {
        this.warnings.push(`Saved destination #${i + 1} has a concurrency of ${JSON.stringify(d.concurrency)} (a whole number from ${CONCURRENCY_MIN} to ${CONCURRENCY_MAX} is needed); it uses the app-wide setting.`);
        delete d.concurrency;
      }
      seen.add(d.id);
      this.list.push(copy({ ...d, primary: d.primary && !this.list.some((x) => x.primary) }));
    });
    if (this.list.length > MAX_DESTINATIONS) {
      this.warnings.push(`Only the first ${MAX_DESTINATIONS} saved destinations are used.`);
      this.list = this.list.slice(0, MAX_DESTINATIONS);
    }
    if (this.list.length > 0 && !this.list.some((d) => d.primary)) this.list[0]!.primary = true;
  }

  all(): DestinationConfig[] {
    return this.list.map(copy);
  }

  get(id: string): DestinationConfig | null {
    const d = this.list.find((x) => x.id === id);
    return d ? copy(d) : null;
  }

  primary(): DestinationConfig | null {
    const d = this.list.find((x) => x.primary);
    return d ? copy(d) : null;
  }

  secretsOf(id: string): SecretBundle {
    return this.list.some((d) => d.id === id) ? this.secrets.get(id) : { ...EMPTY_BUNDLE, headers: {} };
  }

  /** Adds (the first one becomes primary). Throws when full or when saving fails; nothing changes then. */
  add(cfg: DestinationConfig, bundle: SecretBundle): DestinationConfig {
    if (this.list.length >= MAX_DESTINATIONS) throw new RangeError(`At most ${MAX_DESTINATIONS} destinations: remove one first.`);
    if (this.list.some((d) => d.id === cfg.id)) throw new Error(`A destination with id ${cfg.id} exists.`);
    const added = copy({ ...cfg, primary: this.list.length === 0 || cfg.primary });
    const next = [...this.list.map((d) => (added.primary ? { ...d, primary: false } : d)), added];
    this.secrets.set(added.id, bundle);
    try {
      this.write(next);
    } catch (err) {
      this.secrets.set(added.id, null);
      throw err;
    }
    return copy(added);
  }

  /** Replaces one config (and its secrets when given); primary: true moves the primary here. */
  update(cfg: DestinationConfig, bundle?: SecretBundle): DestinationConfig {
    const i = this.list.findIndex((d) => d.id === cfg.id);
    if (i < 0) throw new Error(`No destination ${cfg.id}.`);
    const wasPrimary = this.list[i]!.primary;
    const updated = copy({ ...cfg, primary: cfg.primary || wasPrimary });
    const next = this.list.map((d, j) => (j === i ? updated : updated.primary && !wasPrimary ? { ...d, primary: false } : d));
    const before = bundle ? this.secrets.get(cfg.id) : null;
    if (bundle) this.secrets.set(cfg.id, bundle);
    try {
      this.write(next);
    } catch (err) {
      if (before) this.secrets.set(cfg.id, before);
      throw err;
    }
    return copy(updated);
  }

  /** Removes one; when it was primary, the first remaining one becomes primary. */
  remove(id: string): void {
    const gone = this.list.find((d) => d.id === id);
    if (!gone) throw new Error(`No destination ${id}.`);
    const next = this.list.filter((d) => d.id !== id).map(copy);
    if (gone.primary && next.length > 0) next[0]!.primary = true;
    this.write(next);
    this.secrets.set(id, null);
  }

  private write(next: DestinationConfig[]): void {
    this.kv.set(DESTINATIONS_KEY, next);
    this.list = next;
  }
}
