// Command-line flags of the headless host (docs/architecture.md, "The headless host"), read with
// node:util parseArgs. Pure: takes argv, returns either the parsed flags or a message naming the flag
// at fault (the entry prints message + usage and exits 2). Flags that override a setting for one run
// take their default and bounds from the settings schema, so a flag and the settings file accept
// the same values. Where the token and the secret come from (flag, file, environment) is
// credentials.ts.

import { parseArgs } from 'node:util';
import { checkFleetName, checkNatsServers, DEFAULT_FLEET, FLEET_ROLES } from '../core/fleet/fleet-names';
import { DEFAULT_SETTINGS, INT_BOUNDS, type IntSetting } from '../core/settings/settings-schema';
import { parseMaxEventAge, parseRetrySchedule } from '../core/delivery/retry-schedule';

export interface HeadlessArgs {
  /** UI/API port on 127.0.0.1; 0 picks a free one */
  port: number;
  /** --token T (visible to other local users: credentials.ts warns) */
  token?: string;
  tokenFile?: string;
  dataDir?: string;
  url?: string;
  /** --secret S (visible to other local users: credentials.ts warns) */
  secret?: string;
  secretFile?: string;
  daemonSocket?: string;
  noDaemon: boolean;
  /** keep the history in memory only: no history.sqlite3 in the data folder (absent = false) */
  noOutbox?: boolean;
  /** skip the delivery path's warm-up at start (absent = false) */
  noWarmUp?: boolean;
  demo: boolean;
  timeoutMs?: number;
  retryBackoffMs?: number;
  circuitCooldownMs?: number;
  queueSize?: number;
  concurrency?: number;
  /** durable mode's later attempts for this run: `10s,1m,1h` or `none` (checked) */
  retrySchedule?: string;
  /** how long an undelivered event keeps being retried, for this run (checked) */
  maxEventAge?: string;
  /** fleet mode: comma-separated NATS server URLs (absent = the embedded SQLite default) */
  nats?: string;
  natsCreds?: string;
  fleet?: string;
  role?: string;
  fleetKeyFile?: string;
  help: boolean;
}

export type HeadlessArgsParse = { ok: true; args: HeadlessArgs } | { ok: false; message: string };

type StringKey =
  | 'token'
  | 'tokenFile'
  | 'dataDir'
  | 'url'
  | 'secret'
  | 'secretFile'
  | 'daemonSocket'
  | 'nats'
  | 'natsCreds'
  | 'fleet'
  | 'role'
  | 'fleetKeyFile'
  | 'retrySchedule'
  | 'maxEventAge';
type RunSetting = Extract<IntSetting, 'timeoutMs' | 'retryBackoffMs' | 'circuitCooldownMs' | 'queueSize' | 'concurrency'>;
type BoolKey = 'noDaemon' | 'noOutbox' | 'noWarmUp' | 'demo' | 'help';

type FlagSpec = { flag: string; usage: string; describe: string } & (
  | { kind: 'string'; key: StringKey; check?: (value: string) => string | null }
  | { kind: 'port'; key: 'port' }
  | { kind: 'setting'; key: RunSetting }
  | { kind: 'bool'; key: BoolKey; short?: string }
);

const MAX_PORT = 65_535;

/**
 * The token travels in an `Authorization: Bearer` header and in the page's URL (`#token=`), so it
 * is limited to characters that need no escaping in either.
 */
const TOKEN_CHARS = /^[A-Za-z0-9._~-]+$/;

export function checkToken(value: string): string | null {
  return TOKEN_CHARS.test(value) ? null : 'may contain only letters, digits and . _ ~ -';
}

function checkRole(value: string): string | null {
  return (FLEET_ROLES as readonly string[]).includes(value) ? null : `must be one of ${FLEET_ROLES.join(', ')}, got "${value}"`;
}

/** A run-only override of a setting: its usage line shows the setting's default and bounds. */
function settingFlag(flag: string, key: RunSetting, describe: string): FlagSpec {
  const [min, max] = INT_BOUNDS[key];
  return { flag, kind: 'setting', key, usage: `${flag} N`, describe: `${describe} (${min}-${max}, default ${DEFAULT_SETTINGS[key]})` };
}

function checkSchedule(value: string): string | null {
  const r = parseRetrySchedule(value);
  return r.ok ? null : r.message;
}

function checkAge(value: string): string | null {
  const r = parseMaxEventAge(value);
  return r.ok ? null : r.message;
}

/** In usage order. */
const FLAG_SPECS: readonly FlagSpec[] = [
  { flag: '--port', kind: 'port', key: 'port', usage: '--port N', describe: 'UI/API port on 127.0.0.1; 0 (default) picks a free one' },
  { flag: '--token', kind: 'string', key: 'token', check: checkToken, usage: '--token T', describe: 'API token (letters, digits, . _ ~ -); generated when absent. Visible to other local users: prefer --token-file or PILOT_WEBHOOK_TOKEN' },
  { flag: '--token-file', kind: 'string', key: 'tokenFile', usage: '--token-file F', describe: 'read the API token from file F (its first line)' },
  { flag: '--data-dir', kind: 'string', key: 'dataDir', usage: '--data-dir D', describe: "settings, state and history folder (default: the platform's app-data folder)" },
  { flag: '--url', kind: 'string', key: 'url', usage: '--url U', describe: 'webhook URL for this run (validated; refused → exit with the reason)' },
  { flag: '--secret', kind: 'string', key: 'secret', usage: '--secret S', describe: 'signing secret (whsec_<base64> for Standard Webhooks, or raw). Visible to other local users: prefer --secret-file or PILOT_WEBHOOK_SECRET' },
  { flag: '--secret-file', kind: 'string', key: 'secretFile', usage: '--secret-file F', describe: 'read the signing secret from file F (its first line)' },
  { flag: '--daemon-socket', kind: 'string', key: 'daemonSocket', usage: '--daemon-socket P', describe: "the Pilot daemon's socket path" },
  { flag: '--no-daemon', kind: 'bool', key: 'noDaemon', usage: '--no-daemon', describe: 'run without a daemon link' },
  { flag: '--no-outbox', kind: 'bool', key: 'noOutbox', usage: '--no-outbox', describe: 'keep the history in memory only (no history.sqlite3; pending events are lost on exit)' },
  { flag: '--no-warm-up', kind: 'bool', key: 'noWarmUp', usage: '--no-warm-up', describe: 'skip the warm-up at start (synthetic deliveries to an own loopback sink, so the first burst is delivered at full speed)' },
  { flag: '--demo', kind: 'bool', key: 'demo', usage: '--demo', describe: 'synthetic events; with no URL, a built-in local receiver as target; no daemon link unless --daemon-socket is given' },
  settingFlag('--timeout-ms', 'timeoutMs', 'per-attempt timeout in ms'),
  settingFlag('--retry-backoff-ms', 'retryBackoffMs', 'first wait between attempts in ms, then doubling'),
  settingFlag('--circuit-cooldown-ms', 'circuitCooldownMs', 'circuit breaker cool-down in ms'),
  settingFlag('--queue-size', 'queueSize', 'events that may wait, the one in flight not counted'),
  settingFlag('--concurrency', 'concurrency', 'deliveries in flight at once per destination, for those that set no concurrency of their own'),
  { flag: '--retry-schedule', kind: 'string', key: 'retrySchedule', check: checkSchedule, usage: '--retry-schedule L', describe: `later attempts after the first ones (durable mode): durations like 500ms,2s,1m,1h, or none (default ${DEFAULT_SETTINGS.retrySchedule})` },
  { flag: '--max-event-age', kind: 'string', key: 'maxEventAge', check: checkAge, usage: '--max-event-age D', describe: `how long an undelivered event keeps being retried (default ${DEFAULT_SETTINGS.maxEventAge})` },
  { flag: '--nats', kind: 'string', key: 'nats', check: checkNatsServers, usage: '--nats URLS', describe: 'fleet mode: the NATS JetStream servers, comma-separated (nats://h1:4222,nats://h2:4222)' },
  { flag: '--nats-creds', kind: 'string', key: 'natsCreds', usage: '--nats-creds F', describe: 'fleet mode: NATS credentials file (.creds)' },
  { flag: '--fleet', kind: 'string', key: 'fleet', check: checkFleetName, usage: '--fleet NAME', describe: `fleet mode: the fleet's name (default ${DEFAULT_FLEET})` },
  { flag: '--role', kind: 'string', key: 'role', check: checkRole, usage: '--role R', describe: 'fleet mode: ingest, deliver or all (default all)' },
  { flag: '--fleet-key-file', kind: 'string', key: 'fleetKeyFile', usage: '--fleet-key-file F', describe: 'fleet mode: the fleet key (base64 of 32 random bytes, mode 0600), the same on every process' },
  { flag: '--help', kind: 'bool', key: 'help', short: 'h', usage: '--help, -h', describe: 'print this help and exit' },
];

/** parseArgs' option table, derived from the specs: every value is read as a string and checked here. */
const OPTIONS = Object.fromEntries(
  FLAG_SPECS.map((s) => [
    s.flag.slice(2),
    s.kind === 'bool' ? { type: 'boolean' as const, ...(s.short !== undefined && { short: s.short }) } : { type: 'string' as const },
  ]),
);
const BY_NAME = new Map(FLAG_SPECS.map((s) => [s.flag.slice(2), s]));

const USAGE_COLUMN = Math.max(...FLAG_SPECS.map((s) => s.usage.length)) + 2;

export const HEADLESS_USAGE = [
  'Usage: npm run headless -- [flags]',
  '',
  'Serves the Pilot Webhook Desktop window and its API on http://127.0.0.1:<port>/ and prints',
  '"listening http://127.0.0.1:<port>/" when ready.',
  '',
  'Flags (--flag value or --flag=value):',
  ...FLAG_SPECS.map((s) => `  ${s.usage.padEnd(USAGE_COLUMN)}${s.describe}`),
  '',
  'Environment: PILOT_WEBHOOK_TOKEN (API token), PILOT_WEBHOOK_SECRET (signing secret).',
].join('\n');

const DIGITS = /^\d+$/;

/** parseArgs' own errors, said in our words and naming the flag. */
function explainParseError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  const named = /'(-{1,2}[^' <=]+)/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${named}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${named.replace(/^'|'$/g, '') || /'([^']*)'/.exec(message)?.[1]}" (flags start with --)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (/does not take an argument/.test(message)) return `${named} takes no value`;
      const spec = BY_NAME.get(named.slice(2));
      const usage = spec?.usage ?? `${named} <value>`;
      return /ambiguous/.test(message)
        ? `${named} needs a value (${usage}); a value that starts with "-" is given as ${named}=-value`
        : `${named} needs a value (${usage})`;
    }
    default:
      return message;
  }
}

function readInt(spec: FlagSpec, raw: string, min: number, max: number): number | string {
  const n = DIGITS.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) return `${spec.flag} must be a whole number from ${min} to ${max}, got "${raw}"`;
  if (n < min || n > max) return `${spec.flag} must be between ${min} and ${max}, got ${n}`;
  return n;
}

/** Unknown flags and positional arguments are errors (strict); tokens show repeats. */
function readFlags(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
}

export function parseHeadlessArgs(argv: readonly string[]): HeadlessArgsParse {
  let parsed: ReturnType<typeof readFlags>;
  try {
    parsed = readFlags(argv);
  } catch (err) {
    return { ok: false, message: explainParseError(err) };
  }
  const fail = (message: string): HeadlessArgsParse => ({ ok: false, message });

  // parseArgs keeps the last of a repeated flag; a repeat is more likely a mistake than an intent.
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) return fail(`--${token.name} is given more than once`);
    seen.add(token.name);
  }

  const args: HeadlessArgs = { port: 0, noDaemon: false, demo: false, help: false };
  for (const [name, value] of Object.entries(parsed.values)) {
    const spec = BY_NAME.get(name);
    if (spec === undefined) continue;
    if (spec.kind === 'bool') {
      args[spec.key] = value === true;
      continue;
    }
    const raw = String(value);
    if (raw === '') return fail(`${spec.flag} needs a value (${spec.usage})`);
    switch (spec.kind) {
      case 'string': {
        const problem = spec.check?.(raw) ?? null;
        if (problem !== null) return fail(`${spec.flag} ${problem}`);
        args[spec.key] = raw;
        break;
      }
      case 'port': {
        const n = readInt(spec, raw, 0, MAX_PORT);
        if (typeof n === 'string') return fail(n);
        args.port = n;
        break;
      }
      case 'setting': {
        const [min, max] = INT_BOUNDS[spec.key];
        const n = readInt(spec, raw, min, max);
        if (typeof n === 'string') return fail(n);
        args[spec.key] = n;
        break;
      }
    }
  }

  const fleetOnly = (['natsCreds', 'fleet', 'role', 'fleetKeyFile'] as const).find((k) => args[k] !== undefined);
  if (args.nats === undefined && fleetOnly !== undefined) {
    return fail(`--${fleetOnly.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --nats (fleet mode)`);
  }
  if (args.nats !== undefined && args.fleetKeyFile === undefined) {
    return fail("--nats needs --fleet-key-file: the fleet key encrypts the destinations' secrets in the cluster");
  }
  if (args.nats !== undefined && args.noOutbox) {
    return fail('--no-outbox and --nats cannot be used together (fleet mode keeps events in JetStream)');
  }
  if (args.noDaemon && args.daemonSocket !== undefined) return fail('--daemon-socket and --no-daemon cannot be used together');
  if (args.token !== undefined && args.tokenFile !== undefined) return fail('--token and --token-file cannot be used together');
  if (args.secret !== undefined && args.secretFile !== undefined) return fail('--secret and --secret-file cannot be used together');
  return { ok: true, args };
}
