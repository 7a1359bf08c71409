// Deliver role, one destination: pulls the fleet's events from the destination's durable consumer
// (shared by every deliver process: each event goes to one of them) and hands each to the
// ordinary delivery engine (a Dispatcher: signing, retries, breaker, URL rules). While an attempt
// runs the message is kept alive with in-progress acks; once the outcome is final, the record is
// published to the deliveries stream and only then is the event acknowledged. A process that dies
// in between acknowledges nothing: JetStream gives its events to another process after the ack
// wait, and the receiver sees them again with the same webhook-id.
//
// The destination's format and extra headers (an n8n Header Auth token) shape every request
// as in the embedded mode; the header values live only in this process's memory and in the
// request, never in a record, the fleet log or a problem text.
//
// The webhook-id and event_id come from the event's sequence number in the events stream, not
// from this process: whichever process delivers an event, and however often, it carries the same
// `msg_<fleet>_<destination>_<seq>`.

import type { Consumer, JsMsg } from '@nats-io/jetstream';
import { pullOnce, type Pull } from './pull';
import type { Dispatcher as UndiciDispatcher } from 'undici';
import type { DeliveryRecord, Stats } from '../../../shared/delivery';
import { Dispatcher, type DispatcherOptions } from '../delivery/dispatcher';
import { bodyShaper, digestShaper, type BodyShaper, type ShapeSpec } from '../destinations/body-shaper';
import { RateGate } from '../destinations/rate-gate';
import type { RateControl } from '../delivery/digest-turn';
import { defaultRateLimit } from '../../../shared/destination';
import { guessFormat } from '../../../shared/formats/format-names';
import type { UrlCheck } from '../delivery/delivery-client';
import type { FleetRecordInfo } from '../../../shared/fleet';
import type { FleetDestination } from './fleet-config';
import type { FleetEventMessage } from './fleet-ingest';
import { consumerName } from './fleet-names';
import { ensureConsumer } from './fleet-consumer';
import { SequencedLog } from './sequenced-log';
import type { JetStreamHandles } from './nats-link';

/** In-progress acks while an attempt runs: three chances per ack wait. */
export const WORKING_INTERVAL_MS = 10_000;
/** How long one pull waits for events before asking again (also bounds how long stop() waits). */
const FETCH_EXPIRES_MS = 2000;
/** A pause before retrying after the cluster failed a pull or a record publish. */
const RETRY_PAUSE_MS = 500;
/** Events this process holds unacknowledged per destination, at most (within the engine's queue). */
export const MAX_IN_FLIGHT = 256;
/** Records the per-destination engine keeps in memory: the fleet-wide log is the history. */
const ENGINE_LOG_CAPACITY = 2000;
/** How a destination's unusable template is named in the state. */
const SHAPE_PROBLEM = 'the format of destination';

/**
 * The shaper of a destination's requests: its format (or the one its URL's host calls for) and
 * its extra headers. Throws when a custom template does not compile.
 */
export function shaperFor(dest: Pick<FleetDestination, 'url' | 'format' | 'template' | 'headers'>): BodyShaper | null {
  return bodyShaper(shapeSpecOf(dest));
}

function shapeSpecOf(dest: Pick<FleetDestination, 'url' | 'format' | 'template' | 'headers'>): ShapeSpec {
  const format = dest.format ?? (dest.url === null ? 'pilot' : guessFormat(dest.url).format);
  return { format, ...(dest.template !== undefined && { template: dest.template }), headers: dest.headers };
}

/**
 * A chat destination's rate limit and digests, as in the embedded app: its own limit, or its
 * format's default when it names none. Each deliver process keeps its own gate: with N deliver
 * processes a destination may get up to N times its limit (its 429s are still honoured).
 */
function rateControlOf(dest: FleetDestination): RateControl | null {
  const spec = shapeSpecOf(dest);
  const limit = dest.rateLimit === undefined ? defaultRateLimit(spec.format) : dest.rateLimit;
  const digest = digestShaper(spec);
  return limit === null || digest === null ? null : { gate: new RateGate(limit.perMinute), digest };
}

/** The delivery record as published to the deliveries stream. */
export interface PublishedRecord {
  rec: DeliveryRecord;
  fleet: FleetRecordInfo;
}

export interface DelivererOptions {
  fleet: string;
  /** this process's client name */
  by: string;
  eventsStream: string;
  /** the fleet's engine settings (fleet-engine.ts): durable mode, the same on every deliver process */
  engine: Omit<DispatcherOptions, 'url' | 'secret' | 'topicFilters' | 'messageIdPrefix' | 'agent' | 'checkUrl'>;
  agent: UndiciDispatcher;
  checkUrl: UrlCheck;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class FleetDeliverer {
  readonly dispatcher: Dispatcher;
  problem: string | null = null;
  private readonly log = new SequencedLog({ capacity: ENGINE_LOG_CAPACITY });
  private readonly waiters = new Map<DeliveryRecord, (rec: DeliveryRecord) => void>();
  private readonly inFlight = new Set<JsMsg>();
  private readonly handling = new Set<Promise<void>>();
  private slotWaiters: (() => void)[] = [];
  private stopping = false;
  private pull: Pull | null = null;
  private running: Promise<void> | null = null;
  private readonly limit: number;

  constructor(
    private readonly h: JetStreamHandles,
    private dest: FleetDestination,
    private readonly opts: DelivererOptions,
    private readonly publishRecord: (p: PublishedRecord, msgId: string) => Promise<void>,
  ) {
    this.dispatcher = new Dispatcher(
      {
        ...opts.engine,
        destinationId: dest.id,
        url: dest.url,
        secret: dest.secret,
        topicFilters: dest.topics,
        messageIdPrefix: `${opts.fleet}_${dest.id}`,
        agent: opts.agent,
        checkUrl: opts.checkUrl,
      },
      this.log,
    );
    this.applyShape(dest);
    // Its own concurrency over the fleet's engine setting (the one it was built with).
    this.dispatcher.setConcurrency(dest.concurrency ?? null);
    // Within the engine's queue: an event this process took must never be dropped for lack of room.
    this.limit = Math.max(1, Math.min(MAX_IN_FLIGHT, opts.engine.queueSize ?? MAX_IN_FLIGHT));
    this.log.onRecord((rec) => {
      if (rec.outcome === 'queued') return;
      const done = this.waiters.get(rec);
      if (done) {
        this.waiters.delete(rec);
        done(rec);
      }
    });
  }

  get id(): string {
    return this.dest.id;
  }

  stats(): Stats {
    return { ...this.dispatcher.stats(), rejected: 0 };
  }

  start(): void {
    this.running ??= this.run();
  }

  /** A changed destination: later events use the new URL, secret, topics and concurrency. */
  async update(dest: FleetDestination): Promise<void> {
    this.dest = dest;
    this.applyShape(dest);
    this.dispatcher.setConcurrency(dest.concurrency ?? null);
    this.dispatcher.setSecret(dest.secret);
    this.dispatcher.setTopicFilters(dest.topics);
    await this.dispatcher.setUrl(dest.url);
  }

  /**
   * Stops pulling; events in flight get the engine's drain, the rest (held by the breaker, or
   * waiting for a later attempt) go back to JetStream at once instead of waiting out the ack wait:
   * a waiting one is redelivered when its next attempt was due.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.pull?.stop();
    this.wakeSlots();
    await this.running;
    await this.dispatcher.close();
    // The engine keeps what it could not deliver queued (the stream is its outbox): hand it back.
    const left = [...this.waiters];
    this.waiters.clear();
    for (const [rec, done] of left) done(rec);
    await Promise.allSettled([...this.handling]);
  }

  /** Format and extra headers from the next attempt on; a template that does not compile is named, never sent. */
  private applyShape(dest: FleetDestination): void {
    try {
      this.dispatcher.setShaper(shaperFor(dest));
      this.dispatcher.setRateLimit(rateControlOf(dest));
      if (this.problem?.startsWith(SHAPE_PROBLEM)) this.problem = null;
    } catch (err) {
      this.problem = `${SHAPE_PROBLEM} ${dest.id}: ${(err as Error).message}; its events go out as the daemon's JSON`;
      this.dispatcher.setShaper(bodyShaper({ format: 'pilot', headers: dest.headers }));
      this.dispatcher.setRateLimit(null);
    }
  }

  private wakeSlots(): void {
    const w = this.slotWaiters;
    this.slotWaiters = [];
    for (const r of w) r();
  }

  private async run(): Promise<void> {
    let consumer: Consumer | null = null;
    while (!this.stopping) {
      try {
        if (!consumer) {
          await ensureConsumer(this.h, this.opts.eventsStream, this.opts.fleet, this.dest);
          consumer = await this.h.js.consumers.get(this.opts.eventsStream, consumerName(this.dest.id));
        }
        const free = this.limit - this.inFlight.size;
        if (free <= 0) {
          await new Promise<void>((r) => this.slotWaiters.push(r));
          continue;
        }
        await pullOnce(
          consumer,
          free,
          FETCH_EXPIRES_MS,
          (m) => {
            if (this.stopping) m.nak();
            else this.track(this.handle(m));
          },
          (p) => (this.pull = p),
        );
        this.pull = null;
        if (this.problem) this.problem = null;
      } catch (err) {
        this.pull = null;
        this.problem = `NATS → deliver (${this.dest.id}): ${(err as Error).message}; retrying`;
        if (/not found/i.test((err as Error).message)) consumer = null;
        await sleep(RETRY_PAUSE_MS);
      }
    }
  }

  private track(p: Promise<void>): void {
    this.handling.add(p);
    void p.finally(() => this.handling.delete(p));
  }

  private settled(rec: DeliveryRecord): Promise<DeliveryRecord> {
    if (rec.outcome !== 'queued') return Promise.resolve(rec);
    return new Promise((resolve) => this.waiters.set(rec, resolve));
  }

  private async handle(m: JsMsg): Promise<void> {
    this.inFlight.add(m);
    const keepAlive = setInterval(() => m.working(), WORKING_INTERVAL_MS);
    try {
      let msg: FleetEventMessage;
      try {
        msg = JSON.parse(m.string()) as FleetEventMessage;
        if (typeof msg.ev?.event !== 'string') throw new Error('no event');
      } catch {
        // Not ours (someone published by hand to the fleet's subjects): never redelivered.
        m.term();
        this.problem = `the events stream holds a message that is not a fleet event (seq ${m.seq}); it was set aside`;
        return;
      }
      if (msg.onlyFor !== undefined && msg.onlyFor !== this.dest.id) {
        // Sent again for another destination: nothing to do here, and nothing to record.
        await m.ackAck().catch(() => undefined);
        return;
      }
      this.log.preset = m.seq;
      const resend = msg.onlyFor !== undefined;
      // Its age counts from the ingest's acceptance, whichever process (and how often) delivers it.
      const submitted = this.dispatcher.submit(msg.ev, resend ? 'resend' : 'daemon', {
        ...(resend && msg.resendOf !== undefined && { resendOf: msg.resendOf }),
        ...(typeof msg.receivedAt === 'number' && { receivedAt: msg.receivedAt }),
      });
      const rec = await this.settled(submitted);
      if (this.stopping && (rec.outcome === 'queued' || rec.outcome === 'abandoned')) {
        // Not delivered because this engine is stopping: another one (or the next) takes it, when due.
        m.nak(rec.nextAttemptAt === undefined ? undefined : Math.max(0, rec.nextAttemptAt - Date.now()));
        return;
      }
      const info: FleetRecordInfo = { node: msg.ev.node_id ?? null, by: this.opts.by, eventSeq: m.seq, destinationId: this.dest.id };
      const msgId = `r-${this.dest.id}-${m.seq}-${this.opts.by}-${m.info.deliveryCount}`;
      // The outcome is stored before the event is acknowledged: retried until the cluster takes it.
      for (;;) {
        try {
          await this.publishRecord({ rec, fleet: info }, msgId);
          break;
        } catch (err) {
          if (this.stopping) {
            m.nak();
            return;
          }
          this.problem = `deliver → NATS: the record of event ${m.seq} could not be stored (${(err as Error).message}); retrying`;
          m.working();
          await sleep(RETRY_PAUSE_MS);
        }
      }
      try {
        await m.ackAck();
      } catch {
        // The ack may be lost with a server: the event comes again, same webhook-id.
      }
    } finally {
      clearInterval(keepAlive);
      this.inFlight.delete(m);
      this.wakeSlots();
    }
  }
}
