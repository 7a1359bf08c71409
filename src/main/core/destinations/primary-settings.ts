// The settings' single-URL fields — `url`, `secret`, `topicFilters` — are the primary
// destination's: the single-URL calls (`PUT /api/url`, the secret and topic-filter calls), the
// window's URL field and the first-run import still write them, and older versions read them.
// The primary's entry in the destination list mirrors them; this keeps the two in step, in one
// place, so moving the primary or reading the list is exact.

import { MIGRATED_PRIMARY_ID, type DestinationConfig } from '../../../shared/destination';
import type { SettingsService } from '../settings/settings';
import type { DestinationStore } from './destination-store';

export class PrimarySettings {
  constructor(
    private readonly settings: SettingsService,
    private readonly store: DestinationStore,
  ) {}

  get url(): string | null {
    return this.settings.get().url;
  }

  get secret(): string | null {
    return this.settings.get().secret;
  }

  get topics(): readonly string[] {
    return this.settings.get().topicFilters;
  }

  /**
   * At start the settings win (a flag, the import or an older version may have written them):
   * the primary's entry is brought in line, and created when there is something to keep.
   */
  reconcile(): void {
    const s = this.settings.get();
    const p = this.store.primary();
    if (p === null) {
      if (s.url === null && s.secret === null && s.topicFilters.length === 0) return;
      this.store.add(this.newConfig(s.url ?? ''), { secret: s.secret, headers: {} });
      return;
    }
    const bundle = this.store.secretsOf(p.id);
    const url = s.url ?? '';
    if (p.url === url && bundle.secret === s.secret && JSON.stringify(p.topics) === JSON.stringify(s.topicFilters)) return;
    this.store.update({ ...p, url, topics: [...s.topicFilters] }, { ...bundle, secret: s.secret });
  }

  /** A primary made from the single-URL settings (the daemon's JSON, as the single URL had). */
  newConfig(url: string, id = this.store.get(MIGRATED_PRIMARY_ID) === null ? MIGRATED_PRIMARY_ID : `p${Date.now().toString(36)}`): DestinationConfig {
    return { id, name: 'Webhook', url, enabled: url !== '', primary: true, format: 'pilot', topics: [...this.topics], rateLimit: null };
  }

  /** Writes the given fields of the primary (saved first: a failure changes nothing after it). */
  write(patch: { url?: string | null; secret?: string | null; topics?: readonly string[] }): void {
    this.settings.update({
      ...(patch.url !== undefined && { url: patch.url }),
      ...(patch.secret !== undefined && { secret: patch.secret }),
      ...(patch.topics !== undefined && { topicFilters: [...patch.topics] }),
    });
  }

  /** The primary is now `cfg` (moved, changed, or the one left after a removal); null: none left. */
  follow(cfg: DestinationConfig | null): void {
    if (cfg === null) {
      this.write({ url: null, secret: null, topics: [] });
      return;
    }
    this.write({ url: cfg.url === '' ? null : cfg.url, secret: this.store.secretsOf(cfg.id).secret, topics: cfg.topics });
  }
}
