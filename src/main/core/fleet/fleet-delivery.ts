// A deliver process's engines: one FleetDeliverer per enabled destination of the fleet's
// configuration (each on its own durable consumer, shared with every other deliver process), all
// with the fleet's engine settings. Follows the configuration (a destination added, changed,
// switched off or removed) and the engine settings (every engine starts again with them), and
// answers each destination's own counters, breaker and status — the accounting invariant holds
// for each destination of this process.

import { CLOSED_BREAKER, emptyStats, type BreakerView, type Stats } from '../../../shared/delivery';
import type { Dispatcher as UndiciDispatcher } from 'undici';
import type { UrlCheck } from '../delivery/delivery-client';
import { DEFAULT_CONCURRENCY } from '../delivery/dispatcher-options';
import type { FleetDestination } from './fleet-config';
import { FleetDeliverer } from './fleet-deliverer';
import { engineOptions, type FleetEngine } from './fleet-engine';
import { consumerName, deliverySubject } from './fleet-names';
import type { NatsLink } from './nats-link';

/** How long a delivery record's publish may wait for JetStream. */
const RECORD_PUBLISH_TIMEOUT_MS = 5000;

export interface FleetDeliveryParts {
  link: NatsLink;
  fleet: string;
  /** this process's client name */
  by: string;
  agent: UndiciDispatcher;
  checkUrl: UrlCheck;
  /** something the state shows changed */
  changed(): void;
}

function addStats(into: Stats, s: Stats): void {
  for (const k of Object.keys(into) as (keyof Stats)[]) into[k] += s[k];
}

/** Whether a destination is delivered to at all. */
export function isDelivered(dest: FleetDestination | null | undefined): dest is FleetDestination {
  return dest != null && dest.enabled && dest.url !== null && dest.url !== '';
}

export class FleetDelivery {
  private readonly engines = new Map<string, FleetDeliverer>();
  /** counters of destinations removed while this process ran (their waiting events: abandoned here) */
  private readonly retired = emptyStats();
  /** per destination, the counters of its engines before the last engine-settings change */
  private readonly carried = new Map<string, Stats>();
  private engine: FleetEngine | null = null;
  private closed = false;
  private pausedByUser = false;
  private asleep = false;

  constructor(private readonly p: FleetDeliveryParts) {}

  /** Engines start once the fleet's engine settings are known. */
  setEngine(engine: FleetEngine, current: (id: string) => FleetDestination | undefined): void {
    const first = this.engine === null;
    this.engine = engine;
    if (first) return;
    // Changed: each engine starts again with the new settings. What the old one held goes back to
    // the stream and comes again with the same webhook-id; its other counts carry on.
    for (const [id, old] of [...this.engines]) {
      this.engines.delete(id);
      void old.stop().then(() => {
        this.carry(id, old.stats());
        const dest = current(id);
        if (isDelivered(dest) && !this.engines.has(id) && !this.closed) this.start(dest);
        this.p.changed();
      });
    }
    this.p.changed();
  }

  /** A destination of the configuration was written (or removed: null). */
  apply(id: string, dest: FleetDestination | null): void {
    if (this.engine === null || this.closed) return;
    const existing = this.engines.get(id);
    if (existing && isDelivered(dest)) {
      void existing.update(dest).then(() => this.p.changed());
    } else if (existing) {
      this.engines.delete(id);
      void existing.stop().then(() => {
        if (dest === null) this.retire(id, existing.stats());
        else this.carry(id, existing.stats());
        this.p.changed();
      });
    } else if (isDelivered(dest)) {
      this.start(dest);
    }
    this.p.changed();
  }

  /** The engine of a destination in this process, if it delivers it. */
  get(id: string): FleetDeliverer | undefined {
    return this.engines.get(id);
  }

  /** The fleet's engine concurrency: what a destination without its own uses. */
  get concurrency(): number {
    return this.engine?.concurrency ?? DEFAULT_CONCURRENCY;
  }

  get size(): number {
    return this.engines.size;
  }

  all(): FleetDeliverer[] {
    return [...this.engines.values()];
  }

  /** This process's counters over every destination (and those removed while it ran). */
  stats(): Stats {
    const sum = { ...this.retired };
    for (const c of this.carried.values()) addStats(sum, c);
    for (const d of this.engines.values()) addStats(sum, d.stats());
    return sum;
  }

  /** A destination's own counters here (zero where this process never delivered it). */
  statsOf(id: string): Stats {
    const sum = { ...(this.carried.get(id) ?? emptyStats()) };
    const d = this.engines.get(id);
    if (d) addStats(sum, d.stats());
    return sum;
  }

  breakerOf(id: string): BreakerView {
    return this.engines.get(id)?.dispatcher.breaker() ?? { ...CLOSED_BREAKER };
  }

  problems(): string[] {
    return [...this.engines.values()].map((d) => d.problem).filter((p): p is string => p !== null);
  }

  /**
   * Removes a destination's durable consumer, once the configuration no longer has it: every
   * deliver process stops its engine on the same change, so nothing pulls from it any more.
   */
  async dropConsumer(id: string): Promise<void> {
    const h = this.p.link.current;
    if (!h) return;
    try {
      await h.jsm.consumers.delete(this.p.link.names.events, consumerName(id));
    } catch {
      // Never created (no deliver process ran), or already gone.
    }
  }

  /** The user's pause (every destination of this process), and sleep/offline: engines started later follow. */
  pause(): void {
    this.pausedByUser = true;
    for (const d of this.engines.values()) d.dispatcher.pause();
  }

  resume(): void {
    this.pausedByUser = false;
    for (const d of this.engines.values()) d.dispatcher.resume();
  }

  setSuspended(suspended: boolean): void {
    this.asleep = suspended;
    for (const d of this.engines.values()) d.dispatcher.setSuspended(suspended);
  }

  /** Why events wait here, for the status lines: paused, asleep, or not at all. */
  get waiting(): 'paused' | 'suspended' | null {
    return this.pausedByUser ? 'paused' : this.asleep ? 'suspended' : null;
  }

  get paused(): boolean {
    return this.pausedByUser;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.engines.values()].map((d) => d.stop()));
  }

  private start(dest: FleetDestination): void {
    const h = this.p.link.current!;
    const id = dest.id;
    const d = new FleetDeliverer(
      h,
      dest,
      { fleet: this.p.fleet, by: this.p.by, eventsStream: this.p.link.names.events, engine: engineOptions(this.engine!), agent: this.p.agent, checkUrl: this.p.checkUrl },
      async (rec, msgId) => {
        await h.js.publish(deliverySubject(this.p.fleet, id), JSON.stringify(rec), { msgID: msgId, timeout: RECORD_PUBLISH_TIMEOUT_MS });
      },
    );
    d.dispatcher.onChange(this.p.changed);
    if (this.pausedByUser) d.dispatcher.pause();
    if (this.asleep) d.dispatcher.setSuspended(true);
    this.engines.set(id, d);
    d.start();
  }

  /**
   * A removed destination's counters stay in the totals. Its events still waiting here are no
   * longer anyone's to deliver there: counted abandoned, so the invariant keeps holding.
   */
  private retire(id: string, s: Stats): void {
    const all = { ...(this.carried.get(id) ?? emptyStats()) };
    addStats(all, s);
    this.carried.delete(id);
    addStats(this.retired, { ...all, queued: 0, retrying: 0, abandoned: all.abandoned + all.queued });
  }

  /**
   * A stopped engine whose destination is still delivered (new settings, or switched off): its
   * counts carry on. What it still held went back to the stream: not counted here at all, since
   * whichever engine takes it again counts it then.
   */
  private carry(id: string, s: Stats): void {
    const c = this.carried.get(id) ?? emptyStats();
    addStats(c, { ...s, received: s.received - s.queued, queued: 0, retrying: 0 });
    this.carried.set(id, c);
  }
}
