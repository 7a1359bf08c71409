// The settings the app keeps, their defaults and their checks. One schema for both stores (the
// headless host's `conf` file and the Electron shell's `electron-store`, which wraps `conf`) and
// for the headless host's flags that override a setting for one run (headless-args.ts reads the
// defaults and bounds from here, so `--timeout-ms 1` is refused as a settings file's 1 is).
//
// Validation is per field, not all-or-nothing: a hand-edited file with one bad value keeps the
// user's URL and everything else, and the bad value is reported and replaced by its default.

import { CONCURRENCY_MAX, CONCURRENCY_MIN } from '../../../shared/destination';
import { checkTopicFilters } from '../../../shared/topic-patterns';
import { checkFleetName, checkNatsServers, DEFAULT_FLEET, FLEET_ROLES, type FleetRole } from '../fleet/fleet-names';
import { DEFAULT_MAX_EVENT_AGE, DEFAULT_RETRY_SCHEDULE, parseMaxEventAge, parseRetrySchedule } from '../delivery/retry-schedule';

/** Bumped when a stored field changes meaning; migrations in settings.ts bring old files up. */
export const SETTINGS_VERSION = 1;

export type OnQuit = 'restore' | 'clear';

export interface Settings {
  /** webhook URL, or null when deliveries are off */
  url: string | null;
  /** signing secret in clear (headless conf file, mode 0600); the shell keeps it encrypted instead */
  secret: string | null;
  timeoutMs: number;
  retryBackoffMs: number;
  circuitCooldownMs: number;
  queueSize: number;
  maxAttempts: number;
  circuitThreshold: number;
  jitter: boolean;
  concurrency: number;
  /** explicit daemon socket path; null = discover (PILOT_SOCKET, config.json, …) */
  daemonSocket: string | null;
  /** on quit, give the daemon the user's URL back ('restore') or leave it without one ('clear') */
  onQuit: OnQuit;
  /** refuse loopback and private addresses too (public receivers only) */
  strictEgress: boolean;
  /** the first-run import of the daemon's own webhook URL has been done */
  daemonUrlImported: boolean;
  /** topic patterns (`tunnel.*`, `*`) events must match to be delivered; empty = all */
  topicFilters: string[];
  /** history kept in the outbox database: records older than this many days are removed */
  historyDays: number;
  /** …and past this size the oldest records go first */
  historyMaxMB: number;
  /** durable mode's later attempts: comma list of durations (`10s,1m,1h`), or `none` */
  retrySchedule: string;
  /** how long an undelivered event keeps being retried (`24h`) */
  maxEventAge: string;
  /**
   * Fleet mode (the headless host's --nats): the NATS servers, comma-separated
   * (`nats://h1:4222,nats://h2:4222`); null = the embedded SQLite outbox, no server needed.
   */
  nats: string | null;
  /** fleet mode: a NATS credentials file (.creds), or null */
  natsCreds: string | null;
  /** fleet mode: the fleet's name (its streams and bucket are named after it) */
  fleet: string;
  /** fleet mode: what this process does — take the daemon's events, deliver them, or both */
  fleetRole: FleetRole;
  /** fleet mode: the fleet key file (base64 of 32 random bytes, mode 0600), the same on every process */
  fleetKeyFile: string | null;
}

/** Reference values: identical to the daemon's webhook plugin (docs/architecture.md, "Delivery"). */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  url: null,
  secret: null,
  timeoutMs: 5000,
  retryBackoffMs: 1000,
  circuitCooldownMs: 30_000,
  queueSize: 1024,
  maxAttempts: 3,
  circuitThreshold: 5,
  jitter: false,
  concurrency: 1,
  daemonSocket: null,
  onQuit: 'restore',
  strictEgress: false,
  daemonUrlImported: false,
  topicFilters: [],
  historyDays: 30,
  historyMaxMB: 100,
  retrySchedule: DEFAULT_RETRY_SCHEDULE,
  maxEventAge: DEFAULT_MAX_EVENT_AGE,
  nats: null,
  natsCreds: null,
  fleet: DEFAULT_FLEET,
  fleetRole: 'all',
  fleetKeyFile: null,
});

export type IntSetting =
  | 'timeoutMs'
  | 'retryBackoffMs'
  | 'circuitCooldownMs'
  | 'queueSize'
  | 'maxAttempts'
  | 'circuitThreshold'
  | 'concurrency'
  | 'historyDays'
  | 'historyMaxMB';

/**
 * Bounds that keep a hand-edited value or a flag from making the app useless (e.g. a 0 ms
 * timeout). Every bound is below Node's timer limit (2^31-1 ms), past which a delay becomes 1 ms.
 */
export const INT_BOUNDS: Readonly<Record<IntSetting, readonly [min: number, max: number]>> = {
  timeoutMs: [50, 120_000],
  retryBackoffMs: [0, 600_000],
  circuitCooldownMs: [0, 3_600_000],
  queueSize: [1, 1_000_000],
  maxAttempts: [1, 20],
  circuitThreshold: [1, 1000],
  // The same bounds as a destination's own concurrency.
  concurrency: [CONCURRENCY_MIN, CONCURRENCY_MAX],
  // A day at least (less is a cache, not a history); ten years at most.
  historyDays: [1, 3650],
  // 1 MB holds a few thousand records; 100 GB is past any sensible desktop history.
  historyMaxMB: [1, 100_000],
};

type FieldCheck = (v: unknown) => string | null;

const nullableString: FieldCheck = (v) => (v === null || typeof v === 'string' ? null : 'must be a string or null');
const boolean: FieldCheck = (v) => (typeof v === 'boolean' ? null : 'must be true or false');
function boundedInt(key: IntSetting): FieldCheck {
  const [lo, hi] = INT_BOUNDS[key];
  return (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? null : `must be a whole number from ${lo} to ${hi}`;
}

export const FIELD_CHECKS: Readonly<Record<keyof Settings, FieldCheck>> = {
  url: nullableString,
  secret: nullableString,
  timeoutMs: boundedInt('timeoutMs'),
  retryBackoffMs: boundedInt('retryBackoffMs'),
  circuitCooldownMs: boundedInt('circuitCooldownMs'),
  queueSize: boundedInt('queueSize'),
  maxAttempts: boundedInt('maxAttempts'),
  circuitThreshold: boundedInt('circuitThreshold'),
  jitter: boolean,
  concurrency: boundedInt('concurrency'),
  daemonSocket: nullableString,
  onQuit: (v) => (v === 'restore' || v === 'clear' ? null : 'must be "restore" or "clear"'),
  strictEgress: boolean,
  daemonUrlImported: boolean,
  topicFilters: (v) => (Array.isArray(v) ? checkTopicFilters(v) : 'must be a list of topic patterns'),
  historyDays: boundedInt('historyDays'),
  historyMaxMB: boundedInt('historyMaxMB'),
  retrySchedule: (v) => {
    if (typeof v !== 'string') return 'must be a comma list of durations (10s,1m,1h) or "none"';
    const r = parseRetrySchedule(v);
    return r.ok ? null : r.message;
  },
  maxEventAge: (v) => {
    if (typeof v !== 'string') return 'must be a duration such as 24h';
    const r = parseMaxEventAge(v);
    return r.ok ? null : r.message;
  },
  nats: (v) => (v === null ? null : typeof v === 'string' ? checkNatsServers(v) : 'must be a comma list of nats:// URLs, or null'),
  natsCreds: nullableString,
  fleet: (v) => (typeof v === 'string' ? checkFleetName(v) : 'must be a fleet name'),
  fleetRole: (v) => ((FLEET_ROLES as readonly unknown[]).includes(v) ? null : `must be one of ${FLEET_ROLES.join(', ')}`),
  fleetKeyFile: nullableString,
};

export const SETTINGS_KEYS = Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[];

/**
 * Reads a raw stored object field by field. Unknown keys are ignored, missing ones take their
 * default, and each wrong value is replaced by its default with a warning naming it.
 */
export function readSettings(raw: Record<string, unknown>): { settings: Settings; warnings: string[] } {
  const settings = { ...DEFAULT_SETTINGS } as Settings;
  const warnings: string[] = [];
  for (const key of SETTINGS_KEYS) {
    if (!(key in raw)) continue;
    const problem = FIELD_CHECKS[key](raw[key]);
    if (problem) {
      warnings.push(`Setting "${key}" ${problem}; using the default (${JSON.stringify(DEFAULT_SETTINGS[key])}).`);
      continue;
    }
    (settings as unknown as Record<string, unknown>)[key] = raw[key];
  }
  return { settings, warnings };
}

/** The minimal store both `conf` and `electron-store` provide. */
export interface KeyValueStore {
  readonly store: Record<string, unknown>;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  readonly path: string;
}
