// The retry schedule of durable mode: after the plugin's first attempts, an event that failed for
// a reason that may pass (network, timeout, 5xx, 408, 429) tries once more at each step, until it
// is delivered, refused for good, or older than the maximum event age. Pure: parsing, checking and
// the jittered delay of a step.

/** The later attempts' waits (Svix-like: about a day in all). */
export const DEFAULT_RETRY_SCHEDULE = '10s,1m,5m,30m,1h,2h,4h,8h,8h';

/** How long an undelivered event keeps being retried. */
export const DEFAULT_MAX_EVENT_AGE = '24h';
export const DEFAULT_MAX_EVENT_AGE_MS = 24 * 3_600_000;

/** Each step is spread within ±20 %, so many apps retrying one receiver do not arrive together. */
export const SCHEDULE_JITTER = 0.2;

/**
 * The longest step and the longest age accepted: a week. Past it the event is history, not an
 * outbox entry (Stripe retries for three days); a longer value is a typo (`8000h`), not a plan.
 */
export const MAX_STEP_MS = 7 * 24 * 3_600_000;
export const MAX_EVENT_AGE_MS = MAX_STEP_MS;

/** Steps in a schedule at most: more is a loop written out by hand, not a schedule. */
export const MAX_STEPS = 50;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** `500ms`, `10s`, `1m`, `1.5h`, `1d` → ms. Zero, negative and unit-less values are errors. */
export function parseDuration(text: string): Parsed<number> {
  const t = text.trim();
  if (t.startsWith('-')) return { ok: false, message: `"${t}" is negative; a wait must be longer than zero` };
  const m = DURATION.exec(t);
  if (!m) return { ok: false, message: `"${t}" is not a duration; write a number and a unit: 500ms, 10s, 5m, 2h, 1d` };
  const ms = Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
  if (ms <= 0) return { ok: false, message: `"${t}" is zero; a wait must be longer than zero` };
  return { ok: true, value: ms };
}

/** A comma list of durations, or `none` (no later attempts: give up after the first ones). */
export function parseRetrySchedule(text: string): Parsed<number[]> {
  const t = text.trim();
  if (t.toLowerCase() === 'none') return { ok: true, value: [] };
  if (t === '') return { ok: false, message: 'is empty; give a comma list of durations (10s,1m,1h) or "none"' };
  const parts = t.split(',');
  if (parts.length > MAX_STEPS) return { ok: false, message: `has ${parts.length} steps; at most ${MAX_STEPS}` };
  const steps: number[] = [];
  for (const [i, part] of parts.entries()) {
    const d = parseDuration(part);
    if (!d.ok) return { ok: false, message: `step ${i + 1}: ${d.message}` };
    if (d.value > MAX_STEP_MS) return { ok: false, message: `step ${i + 1}: "${part.trim()}" is longer than a week; the schedule is for outages, not for archives` };
    steps.push(d.value);
  }
  return { ok: true, value: steps };
}

export function parseMaxEventAge(text: string): Parsed<number> {
  const d = parseDuration(text);
  if (!d.ok) return d;
  if (d.value > MAX_EVENT_AGE_MS) return { ok: false, message: `"${text.trim()}" is longer than a week (the most an event is kept trying)` };
  return d;
}

/** How long the first attempts can take at most: every attempt timing out, every backoff wait. */
export function firstAttemptsSpanMs(p: { maxAttempts: number; timeoutMs: number; retryBackoffMs: number }): number {
  let waits = 0;
  for (let a = 2; a <= p.maxAttempts; a++) waits += p.retryBackoffMs * 2 ** (a - 2);
  return p.maxAttempts * p.timeoutMs + waits;
}

/** Writes ms the way the schedule is written: 90000 → "1.5m". */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit]!;
    if (ms >= size) {
      const n = Math.round((ms / size) * 10) / 10;
      return `${n}${unit}`;
    }
  }
  return `${ms}ms`;
}

/**
 * A maximum age shorter than the first attempts would fail events before they had their first
 * chance: refused, saying by how much. Null when the plan is coherent.
 */
export function checkRetryPlan(p: { maxEventAgeMs: number; maxAttempts: number; timeoutMs: number; retryBackoffMs: number }): string | null {
  const span = firstAttemptsSpanMs(p);
  if (p.maxEventAgeMs < span) {
    return `the maximum event age (${formatDuration(p.maxEventAgeMs)}) is shorter than the first attempts can take (${formatDuration(span)}: ${p.maxAttempts} attempts of up to ${formatDuration(p.timeoutMs)} and their waits); give at least ${formatDuration(span)}`;
  }
  return null;
}

/** The wait before step `step` (0-based), spread within ±SCHEDULE_JITTER; undefined when the schedule is used up. */
export function scheduleDelay(schedule: readonly number[], step: number, random: () => number = Math.random): number | undefined {
  const base = schedule[step];
  if (base === undefined) return undefined;
  return Math.max(1, Math.round(base * (1 - SCHEDULE_JITTER + 2 * SCHEDULE_JITTER * random())));
}
