// Every destination's delivery: one Dispatcher per destination (its own queue, breaker, counters,
// body format, signing secret, extra headers and topic filter), the routing of each accepted event
// to every enabled destination (one record each), and the primary — the destination `--url`,
// `PUT/DELETE /api/url`, `POST /api/test` and the window's URL field act on. With one destination
// this is exactly the single dispatcher the app had before: the same records, counts and answers.
//
// The primary's URL, signing secret and topic filter stay in the settings' own fields (`url`,
// `secret`, `topicFilters`), where the single-URL app kept them and its flags and calls still
// write; its destination entry mirrors them (primary-settings.ts).
// Over 300 lines: adding, changing, moving and removing a destination each touch its saved entry,
// its dispatcher and, for the primary, the settings mirror, in an order that must stay together.

import { destinationOfRecord, emptyStats, type DeliveryRecord, type Stats } from '../../../shared/delivery';
import { defaultRateLimit, type DestinationConfig, type RateLimit } from '../../../shared/destination';
import type { DestinationSummary, RunOnly } from '../../../shared/destination-summary';
import type { AcceptedEvent } from '../../../shared/events';
import { FORMAT_LABELS, guessFormat, type FormatGuess, type FormatName } from '../../../shared/formats/format-names';
import type { RecordLog } from '../delivery/delivery-log';
import { PRIMARY_DESTINATION_ID, type Dispatcher, type PendingEntry, type SubmitOptions } from '../delivery/dispatcher';
import type { SettingsService } from '../settings/settings';
import { PrimarySettings } from './primary-settings';
import { bodyShaper, digestShaper } from './body-shaper';
import { summarize } from './destination-summaries';
import { RateGate } from './rate-gate';
import type { SecretBundle } from './destination-secrets';
import type { DestinationStore } from './destination-store';

/** Builds one destination's dispatcher: the app's engine tuning, pool, outbox and retry plan. */
export type DispatcherFactory = (init: { id: string; url: string | null; secret: string | null; topics: readonly string[] }) => Dispatcher;

export interface DestinationSetOptions {
  store: DestinationStore;
  settings: SettingsService;
  log: RecordLog;
  newDispatcher: DispatcherFactory;
  /** the clock of the rate limits (the dispatchers' own clock) */
  now?: () => number;
  /**
   * The primary's URL and secret for this run (settings, or `--url`/`--secret`/the demo receiver,
   * not saved). Its saved URL is the settings' `url`. `demo`: the URL is demo mode's receiver.
   */
  run: { url: string | null; secret: string | null; demo?: boolean };
}

function addStats(into: Stats, s: Stats): void {
  for (const k of Object.keys(into) as (keyof Stats)[]) into[k] += s[k];
}

export class DestinationSet {
  private readonly dispatchers = new Map<string, Dispatcher>();
  /** the id of the primary's dispatcher (there is always one, even before any destination exists) */
  private primaryId: string;
  /** counters of destinations removed during this run: the totals never go backwards */
  private readonly retired: Stats = emptyStats();
  private readonly listeners = new Set<() => void>();
  private readonly unsubs = new Map<string, () => void>();
  private readonly store: DestinationStore;
  /** the settings' single-URL fields, which are the primary's */
  private readonly mirror: PrimarySettings;
  /** the primary's URL is this run's only (--url, the demo receiver): never written back */
  private runUrl: string | null;
  /** where a run-only URL came from */
  private readonly runFrom: RunOnly['from'];
  /** events submitted this run, each once however many destinations it went to */
  private eventsReceived = 0;
  private paused = false;
  private suspended = false;
  /** what could not be done at start (a read-only settings file), for the window's warnings */
  readonly warnings: string[] = [];

  constructor(private readonly opts: DestinationSetOptions) {
    this.store = opts.store;
    this.mirror = new PrimarySettings(opts.settings, opts.store);
    try {
      this.mirror.reconcile();
    } catch (err) {
      this.warnings.push(`The primary destination could not be saved (${err instanceof Error ? err.message : String(err)}); changes will not be kept.`);
    }
    const stored = this.store.primary();
    this.primaryId = stored?.id ?? PRIMARY_DESTINATION_ID;
    const saved = this.mirror.url;
    this.runUrl = opts.run.url !== saved ? opts.run.url : null;
    this.runFrom = opts.run.demo === true ? 'demo' : 'flag';
    // A primary switched off keeps its saved URL, but delivers nowhere (a run-only --url still does).
    const url = stored !== null && !stored.enabled && this.runUrl === null ? null : opts.run.url;
    this.attach(this.primaryId, opts.newDispatcher({ id: this.primaryId, url, secret: opts.run.secret, topics: this.mirror.topics }));
    this.applyShape(this.primaryId);
    for (const cfg of this.store.all()) {
      if (cfg.id === this.primaryId) continue;
      const bundle = this.store.secretsOf(cfg.id);
      this.attach(cfg.id, opts.newDispatcher({ id: cfg.id, url: this.deliveryUrl(cfg), secret: bundle.secret, topics: cfg.topics }));
      this.applyShape(cfg.id);
    }
  }

  /** A destination added while paused (or asleep) starts so too: pause is the whole app's. */
  private attach(id: string, d: Dispatcher): void {
    if (this.paused) d.pause();
    if (this.suspended) d.setSuspended(true);
    this.dispatchers.set(id, d);
    this.unsubs.set(id, d.onChange(() => this.changed()));
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** Where a destination's events go: nowhere while it is off or has no URL. */
  private deliveryUrl(cfg: DestinationConfig): string | null {
    return cfg.enabled && cfg.url !== '' ? cfg.url : null;
  }

  /**
   * The format a destination's bodies take: its own, except a primary on a URL for this run only
   * (--url), whose format is chosen from that URL's host as the single-URL app did (the demo
   * receiver, on loopback, takes the daemon's JSON).
   */
  private formatOf(id: string): { format: FormatName; template?: string; rateLimit: RateLimit | null } | null {
    const cfg = this.store.get(id);
    if (id === this.primaryId && this.runUrl !== null) {
      const format = guessFormat(this.runUrl).format;
      return { format, rateLimit: defaultRateLimit(format) };
    }
    if (cfg === null) return null;
    return { format: cfg.format, ...(cfg.template !== undefined && { template: cfg.template }), rateLimit: cfg.rateLimit };
  }

  /**
   * Gives a destination's dispatcher the body shaper of its format, template and extra headers,
   * — a chat format with a rate limit — its rate gate and digest writer, and its own concurrency
   * (none set: the app-wide one the dispatcher was built with). Changed live, in place: what is
   * in flight finishes, nothing is re-queued.
   */
  private applyShape(id: string): void {
    const d = this.dispatchers.get(id);
    const f = this.formatOf(id);
    if (!d) return;
    const spec = f === null ? null : { format: f.format, ...(f.template !== undefined && { template: f.template }), headers: this.store.secretsOf(id).headers };
    d.setShaper(spec === null ? null : bodyShaper(spec));
    const limit = f?.rateLimit ?? null;
    const digest = spec === null ? null : digestShaper(spec);
    d.setRateLimit(limit === null || digest === null ? null : { gate: new RateGate(limit.perMinute, this.opts.now), digest });
    d.setConcurrency(this.store.get(id)?.concurrency ?? null);
  }

  /**
   * Why the daemon could not deliver to the primary itself at quit, or null when it could: only a
   * primary that takes the daemon's own body (format pilot) and needs no extra header can be
   * handed back; any other would refuse or drop every event the daemon sent it.
   */
  daemonHandBackProblem(): string | null {
    const f = this.formatOf(this.primaryId);
    if (f !== null && f.format !== 'pilot') return `it takes ${FORMAT_LABELS[f.format]} bodies, not the daemon's JSON`;
    const headers = Object.keys(this.store.secretsOf(this.primaryId).headers);
    if (headers.length > 0) return `it needs the header${headers.length === 1 ? '' : 's'} ${headers.join(', ')}, which the daemon cannot send`;
    return null;
  }

  get primary(): Dispatcher {
    return this.dispatchers.get(this.primaryId)!;
  }

  get primaryDestinationId(): string {
    return this.primaryId;
  }

  /** The dispatcher of a destination, or null. */
  dispatcherOf(id: string): Dispatcher | null {
    return this.dispatchers.get(id) ?? null;
  }

  all(): Dispatcher[] {
    return [...this.dispatchers.values()];
  }

  /** The primary's format now (the daemon hand-back and the setUrl answer read it). */
  primaryConfig(): DestinationConfig | null {
    return this.store.get(this.primaryId);
  }

  /**
   * One record per destination the event is routed to: every enabled destination with a URL, or
   * — when there is none — the primary, which records it as "not sent: no URL" as the single-URL
   * app did. Answers the primary's record when it got one, else the first.
   */
  submit(ev: AcceptedEvent, source: DeliveryRecord['source'], opts: SubmitOptions = {}): DeliveryRecord {
    this.eventsReceived++;
    // A dispatcher has a URL exactly while its destination is on and has one (or, the primary,
    // a URL for this run).
    const targets = [...this.dispatchers.entries()].filter(([, d]) => d.url !== null);
    if (targets.length === 0) return this.primary.submit(ev, source, opts);
    let answer: DeliveryRecord | null = null;
    for (const [id, d] of targets) {
      const rec = d.submit(ev, source, opts);
      if (id === this.primaryId || answer === null) answer = rec;
    }
    return answer!;
  }

  /**
   * The outbox's pending records, each on its own destination (records from before destinations
   * existed have none: they are the primary's). A destination removed since gets them on the
   * primary, so nothing pending is lost.
   */
  resumePending(entries: readonly (PendingEntry & { destinationId?: string | null })[]): void {
    const byDestination = new Map<string, PendingEntry[]>();
    for (const e of entries) {
      const want = e.destinationId ?? PRIMARY_DESTINATION_ID;
      const id = this.dispatchers.has(want) ? want : this.primaryId;
      const list = byDestination.get(id) ?? [];
      list.push({ id: e.id, ...(e.nextAttemptAt !== undefined && { nextAttemptAt: e.nextAttemptAt }) });
      byDestination.set(id, list);
    }
    for (const [id, list] of byDestination) this.dispatchers.get(id)!.resumePending(list);
  }

  /** Sends records again, each on the destination it was for (as resend/redeliver ask). */
  resend(ids: readonly number[]): number {
    const byDestination = new Map<string, number[]>();
    for (const id of ids) {
      const rec = this.opts.log.get(id);
      const want = rec ? destinationOfRecord(rec) : this.primaryId;
      const dest = this.dispatchers.has(want) ? want : this.primaryId;
      const list = byDestination.get(dest) ?? [];
      list.push(id);
      byDestination.set(dest, list);
    }
    let queued = 0;
    for (const [dest, list] of byDestination) queued += this.dispatchers.get(dest)!.resend(list);
    return queued;
  }

  // --- the primary, as the single-URL calls act on it ---

  /**
   * PUT/DELETE /api/url: the primary's URL (saved), its format chosen from the host again (the
   * single-URL app's behaviour). Creates the primary on the first URL.
   */
  async setPrimaryUrl(url: string | null, guess: FormatGuess | null): Promise<void> {
    this.mirror.write({ url });
    const cur = this.store.primary();
    if (cur === null) {
      if (url !== null) {
        const format = guess?.format ?? 'pilot';
        this.store.add({ ...this.mirror.newConfig(url, this.primaryId), format, rateLimit: defaultRateLimit(format) }, { secret: this.mirror.secret, headers: {} });
      }
    } else {
      const next: DestinationConfig = { ...cur, url: url ?? '', enabled: url !== null ? true : cur.enabled };
      if (guess !== null && guess.format !== cur.format) {
        // A new format brings its own default rate limit (Slack about one a second, …).
        next.format = guess.format;
        next.rateLimit = defaultRateLimit(guess.format);
        delete next.template;
      }
      this.store.update(next);
    }
    this.runUrl = null;
    this.applyShape(this.primaryId);
    await this.primary.setUrl(url);
    this.changed();
  }

  /** The primary's signing secret (saved in the settings, mirrored in its entry). */
  setPrimarySecret(secret: string | null): void {
    this.mirror.write({ secret });
    const cur = this.store.primary();
    if (cur !== null) this.store.update(cur, { ...this.store.secretsOf(cur.id), secret });
    this.primary.setSecret(secret);
    this.changed();
  }

  setPrimaryTopics(topics: readonly string[]): void {
    this.mirror.write({ topics });
    const cur = this.store.primary();
    if (cur !== null) this.store.update({ ...cur, topics: [...topics] });
    this.primary.setTopicFilters(topics);
    this.changed();
  }

  // --- any destination (the destination calls) ---

  /** A new destination, saved, with its dispatcher started. */
  add(cfg: DestinationConfig, bundle: SecretBundle): DestinationConfig {
    const wasEmpty = this.store.primary() === null;
    const saved = this.store.add(wasEmpty ? { ...cfg, id: this.primaryId } : cfg, bundle);
    if (saved.primary) {
      // The first destination: it takes over the primary's dispatcher (which recorded "no URL", or
      // delivered to a URL for this run only: a saved destination replaces that, as a saved URL does).
      this.runUrl = null;
      this.mirror.follow(saved);
      this.primary.setSecret(bundle.secret);
      this.primary.setTopicFilters(saved.topics);
      this.applyShape(saved.id);
      void this.primary.setUrl(this.deliveryUrl(saved));
    } else {
      this.attach(saved.id, this.opts.newDispatcher({ id: saved.id, url: this.deliveryUrl(saved), secret: bundle.secret, topics: saved.topics }));
      this.applyShape(saved.id);
    }
    this.changed();
    return saved;
  }

  /** A changed destination (already checked): saved, then its dispatcher follows. */
  async update(next: DestinationConfig, bundle?: SecretBundle): Promise<DestinationConfig> {
    const before = this.store.get(next.id)!;
    const movesPrimary = next.primary && !before.primary;
    const saved = this.store.update(next, bundle);
    const d = this.dispatchers.get(saved.id)!;
    const b = this.store.secretsOf(saved.id);
    if (saved.primary) {
      // The settings' own fields follow the primary (moved here, or changed).
      if (movesPrimary) {
        const old = this.store.get(this.primaryId);
        if (old !== null) this.store.update(old, { ...this.store.secretsOf(old.id), secret: this.mirror.secret });
        this.primaryId = saved.id;
        this.runUrl = null;
      }
      this.mirror.follow(saved);
    }
    d.setSecret(b.secret);
    d.setTopicFilters(saved.topics);
    this.applyShape(saved.id);
    // A primary on a run-only URL keeps it until its own URL or switch is changed.
    const urlChanged = saved.url !== before.url || saved.enabled !== before.enabled;
    if (urlChanged || movesPrimary || !(saved.primary && this.runUrl !== null)) {
      if (saved.primary) this.runUrl = null;
      this.applyShape(saved.id);
      await d.setUrl(this.deliveryUrl(saved));
    }
    this.changed();
    return saved;
  }

  /** Removes a destination: its waiting events are recorded abandoned, its counts kept in the totals. */
  async remove(id: string): Promise<void> {
    const wasPrimary = id === this.primaryId;
    this.store.remove(id);
    const d = this.dispatchers.get(id)!;
    if (wasPrimary) {
      const next = this.store.primary();
      this.runUrl = null;
      this.mirror.follow(next);
      if (next === null && id === PRIMARY_DESTINATION_ID) {
        // No destination left: the primary's dispatcher stays, without a URL, as before any existed.
        d.setSecret(null);
        d.setTopicFilters([]);
        d.setShaper(null);
        d.setRateLimit(null);
        d.setConcurrency(null);
        await d.setUrl(null);
        this.changed();
        return;
      }
      this.primaryId = next?.id ?? PRIMARY_DESTINATION_ID;
      // None left, the removed one not the first: a fresh dispatcher under the first id, so a
      // later destination never takes the removed one's id (and its records).
      if (next === null) this.attach(PRIMARY_DESTINATION_ID, this.opts.newDispatcher({ id: PRIMARY_DESTINATION_ID, url: null, secret: null, topics: [] }));
    }
    this.dispatchers.delete(id);
    // Its URL cleared first, as for the last destination above: what it still holds is tried for
    // the drain and the rest recorded abandoned. A plain close() would keep it pending (queued in
    // this run's totals for good) and the next start would send it to the primary.
    await d.setUrl(null);
    await d.close();
    addStats(this.retired, d.stats());
    this.unsubs.get(id)?.();
    this.unsubs.delete(id);
    this.changed();
  }

  /** Sets or clears one destination's signing secret. */
  setSecret(id: string, secret: string | null): void {
    if (id === this.primaryId) {
      this.setPrimarySecret(secret);
      return;
    }
    const cur = this.store.get(id)!;
    this.store.update(cur, { ...this.store.secretsOf(id), secret });
    this.dispatchers.get(id)!.setSecret(secret);
    this.changed();
  }

  // --- what the window sees ---

  /** Counters summed over every destination (and those removed this run). */
  stats(): Stats {
    const sum = { ...this.retired };
    for (const d of this.dispatchers.values()) addStats(sum, d.stats());
    return sum;
  }

  /** Events received this run, each counted once (the destinations' `received` count each copy). */
  get received(): number {
    return this.eventsReceived;
  }

  /**
   * Whether a destination is the primary on a URL for this run only (--url not saved, the demo
   * receiver): listed and delivered to like any other, but not saved, so it cannot be changed.
   */
  isRunOnly(id: string): boolean {
    return id === this.primaryId && this.runUrl !== null;
  }

  /**
   * Each destination with its own counters and status line, the primary first — the run-only
   * primary too, though nothing saved lists it: the window shows what events are delivered to.
   */
  summaries(now = Date.now()): DestinationSummary[] {
    const list = this.store.all().sort((a, b) => Number(b.primary) - Number(a.primary));
    if (this.runUrl !== null && !list.some((cfg) => cfg.id === this.primaryId)) list.unshift(this.runOnlyConfig());
    return list.map((cfg) => this.summaryOf(cfg, now));
  }

  summary(id: string, now = Date.now()): DestinationSummary | null {
    const cfg = this.store.get(id) ?? (this.isRunOnly(id) ? this.runOnlyConfig() : null);
    return cfg === null ? null : this.summaryOf(cfg, now);
  }

  /** The run-only primary when nothing is saved: named after where it comes from, in its host's format. */
  private runOnlyConfig(): DestinationConfig {
    const name = this.runFrom === 'demo' ? 'Demo receiver' : 'Webhook (--url)';
    return { id: this.primaryId, name, url: this.runUrl ?? '', enabled: true, primary: true, format: 'pilot', topics: [...this.mirror.topics], rateLimit: null };
  }

  private summaryOf(cfg: DestinationConfig, now: number): DestinationSummary {
    const bundle = this.store.secretsOf(cfg.id);
    // The primary signs with the secret in use (a run's --secret too).
    const secret = cfg.primary ? this.primary.signingSecret : bundle.secret;
    const d = this.dispatchers.get(cfg.id) ?? null;
    if (!this.isRunOnly(cfg.id)) return summarize(cfg, d, { headers: bundle.headers, secret }, now);
    // What this run delivers with: the run's URL, switched on, in the format formatOf gives it.
    const f = this.formatOf(cfg.id)!;
    const inUse: DestinationConfig = { ...cfg, url: this.runUrl ?? '', enabled: true, format: f.format, rateLimit: f.rateLimit };
    delete inUse.template;
    const stored = this.store.get(cfg.id);
    const runOnly: RunOnly = { from: this.runFrom, savedUrl: stored === null || stored.url === '' ? null : stored.url, saved: stored !== null };
    return { ...summarize(inUse, d, { headers: bundle.headers, secret }, now), runOnly };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- the whole set ---

  pause(): void {
    this.paused = true;
    for (const d of this.dispatchers.values()) d.pause();
  }

  resume(): void {
    this.paused = false;
    for (const d of this.dispatchers.values()) d.resume();
  }

  setSuspended(suspended: boolean): void {
    this.suspended = suspended;
    for (const d of this.dispatchers.values()) d.setSuspended(suspended);
  }

  /** Whether any destination has somewhere to deliver (resend and redeliver need one). */
  get delivers(): boolean {
    return this.all().some((d) => d.url !== null);
  }

  /** The longest drain of any one destination: they drain at once. */
  get drainMs(): number {
    return Math.max(...[...this.dispatchers.values()].map((d) => d.drainMs));
  }

  async close(): Promise<void> {
    await Promise.all([...this.dispatchers.values()].map((d) => d.close()));
    for (const u of this.unsubs.values()) u();
  }
}
