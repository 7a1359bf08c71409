// The fleet's engine settings: one per-attempt timeout, first-attempt backoff, breaker, retry
// schedule, maximum event age and concurrency for every deliver process of the fleet, kept in
// clear (nothing secret) under the key `engine` of the fleet's KV bucket. Without it, two deliver
// processes of one destination would retry the same receiver on two schedules.
//
// Who sets it: the fleet's first process writes its own settings; a process started with engine
// flags (--timeout-ms, --retry-schedule, --max-event-age, --concurrency, …) writes those flags
// over the fleet's value; every other process takes the fleet's value and follows its changes.
// A hand-edited value is read field by field with the settings' own checks: a bad field keeps
// this process's value and is named in the state.

import type { KV } from '@nats-io/kv';
import type { FleetEngineView } from '../../../shared/fleet';
import { engineTuning, ENGINE_TUNABLES, type DispatcherOptions } from '../delivery/dispatcher-options';
import { checkRetryPlan, parseMaxEventAge, parseRetrySchedule } from '../delivery/retry-schedule';
import { FIELD_CHECKS, type Settings } from '../settings/settings-schema';

/** The KV key of the engine settings (beside `keycheck` and `destination.<id>`). */
export const ENGINE_KEY = 'engine';

/** Every setting the fleet's deliver processes must agree on. */
export const FLEET_ENGINE_FIELDS = [...ENGINE_TUNABLES, 'retrySchedule', 'maxEventAge'] as const;
export type FleetEngineField = (typeof FLEET_ENGINE_FIELDS)[number];
export type FleetEngine = Pick<Settings, FleetEngineField>;

/** Engine flags that cannot be written over the fleet's settings: the process says so and does not deliver. */
export class FleetEngineError extends Error {}

export type EngineListener = (engine: FleetEngine) => void;

/** The engine fields of a settings object (this process's settings and flags). */
export function engineOf(s: FleetEngine): FleetEngine {
  const out: Record<string, unknown> = {};
  for (const k of FLEET_ENGINE_FIELDS) out[k] = s[k];
  return out as unknown as FleetEngine;
}

/** The fields where `a` and `b` differ, by name. */
export function engineDifferences(a: FleetEngine, b: FleetEngine): FleetEngineField[] {
  return FLEET_ENGINE_FIELDS.filter((k) => a[k] !== b[k]);
}

/**
 * Reads a stored engine value: each field checked as the settings file's is; a missing or bad
 * one takes `fallback`'s value and is named. A plan whose maximum event age is shorter than the
 * first attempts takes `fallback`'s retry plan whole.
 */
export function readFleetEngine(text: string, fallback: FleetEngine): { engine: FleetEngine; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { engine: { ...fallback }, problems: ['the stored value is not JSON; using this process\'s settings'] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { engine: { ...fallback }, problems: ['the stored value is not an object; using this process\'s settings'] };
  }
  const o = raw as Record<string, unknown>;
  const engine = { ...fallback } as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of FLEET_ENGINE_FIELDS) {
    if (!(k in o)) continue;
    const problem = FIELD_CHECKS[k](o[k]);
    if (problem) problems.push(`"${k}" ${problem}; using ${JSON.stringify(fallback[k])}`);
    else engine[k] = o[k];
  }
  const e = engine as unknown as FleetEngine;
  const plan = planProblem(e);
  if (plan) {
    problems.push(`${plan}; using this process's retry plan`);
    e.retrySchedule = fallback.retrySchedule;
    e.maxEventAge = fallback.maxEventAge;
    e.maxAttempts = fallback.maxAttempts;
    e.timeoutMs = fallback.timeoutMs;
    e.retryBackoffMs = fallback.retryBackoffMs;
  }
  return { engine: e, problems };
}

function planProblem(e: FleetEngine): string | null {
  const age = parseMaxEventAge(e.maxEventAge);
  return age.ok ? checkRetryPlan({ ...e, maxEventAgeMs: age.value }) : age.message;
}

/**
 * A deliver engine's options: durable mode (the retry schedule after the first attempts, and the
 * breaker holds events instead of skipping them). The events stream is the outbox: an event is
 * acknowledged only once its outcome is stored, so none is dropped for lack of room.
 */
export function engineOptions(e: FleetEngine): Pick<DispatcherOptions, (typeof ENGINE_TUNABLES)[number] | 'durable' | 'outbox' | 'retrySchedule' | 'maxEventAgeMs'> {
  const schedule = parseRetrySchedule(e.retrySchedule);
  const age = parseMaxEventAge(e.maxEventAge);
  return {
    ...engineTuning(e),
    durable: true,
    outbox: true,
    // Both were checked when read (readFleetEngine, the settings): the fallbacks never apply.
    retrySchedule: schedule.ok ? schedule.value : [],
    maxEventAgeMs: age.ok ? age.value : 0,
  };
}

export function engineView(e: FleetEngine): FleetEngineView {
  return { timeoutMs: e.timeoutMs, retrySchedule: e.retrySchedule, maxEventAge: e.maxEventAge, concurrency: e.concurrency, circuitCooldownMs: e.circuitCooldownMs };
}

/** The fleet's engine settings in its KV bucket, followed live. */
export class FleetEngineConfig {
  private value: FleetEngine;
  private readonly listeners = new Set<EngineListener>();
  private stopWatch: (() => void) | null = null;
  /** what was wrong with the stored value (shown in the state), null when all is well */
  problem: string | null = null;

  constructor(
    private readonly kv: KV,
    /** this process's own settings (with its flags): the first value, and the fallback per field */
    private readonly local: FleetEngine,
  ) {
    this.value = { ...local };
  }

  get current(): FleetEngine {
    return this.value;
  }

  /**
   * Reads the fleet's value, first writing `overrides` (this run's engine flags) over it, or this
   * process's settings when the fleet has none yet; then follows changes. Answers the fields this
   * process's own settings lose to the fleet's (for a warning).
   */
  async start(overrides: Partial<FleetEngine>): Promise<FleetEngineField[]> {
    const flags = Object.keys(overrides).length > 0;
    let stored = await this.stored();
    if (!stored) {
      try {
        await this.kv.create(ENGINE_KEY, JSON.stringify(this.local));
      } catch {
        // Another process wrote it first: its value is the fleet's (this one's flags go over it).
        stored = await this.stored();
      }
    }
    if (stored && flags) {
      const next = { ...stored, ...overrides };
      const plan = planProblem(next);
      // Each flag was checked alone; with the fleet's other values they must still make a plan.
      if (plan) throw new FleetEngineError(`this process's engine flags do not fit the fleet's engine settings: ${plan}; nothing was changed`);
      if (engineDifferences(stored, next).length > 0) await this.kv.put(ENGINE_KEY, JSON.stringify(next));
    }
    const now = await this.kv.get(ENGINE_KEY);
    if (now && now.operation === 'PUT') this.value = this.read(now.string());
    const it = await this.kv.watch({ key: ENGINE_KEY });
    this.stopWatch = () => it.stop();
    void (async () => {
      for await (const e of it) {
        if (e.operation !== 'PUT') continue; // removed by hand: keep the last value
        const next = this.read(e.string());
        if (engineDifferences(this.value, next).length === 0) continue;
        this.value = next;
        for (const l of this.listeners) {
          try {
            l(next);
          } catch {
            // One failing listener must not stop the others.
          }
        }
      }
    })();
    return engineDifferences(this.local, this.value);
  }

  onChange(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.stopWatch?.();
  }

  private async stored(): Promise<FleetEngine | null> {
    const entry = await this.kv.get(ENGINE_KEY);
    return entry && entry.operation === 'PUT' ? this.read(entry.string()) : null;
  }

  private read(text: string): FleetEngine {
    const r = readFleetEngine(text, this.local);
    this.problem = r.problems.length > 0 ? `the fleet's engine settings (KV key ${ENGINE_KEY}): ${r.problems.join('; ')}` : null;
    return r.engine;
  }
}
