// Command-line flags of the headless host (DESIGN.md section 5). Pure: takes argv, returns either
// the parsed flags or a message naming the flag at fault. The entry prints message + usage, exit 2.

import { checkFleetName, DEFAULT_FLEET, FLEET_ROLES } from '../core/fleet/fleet-names';

export interface HeadlessArgs {
  /** UI/API port on 127.0.0.1; 0 picks a free one */
  port: number;
  /** absent → the entry generates one */
  token?: string;
  dataDir?: string;
  url?: string;
  secret?: string;
  daemonSocket?: string;
  noDaemon: boolean;
  /** keep the history in memory only: no history.sqlite3 in the data folder (absent = false) */
  noOutbox?: boolean;
  demo: boolean;
  timeoutMs?: number;
  retryBackoffMs?: number;
  circuitCooldownMs?: number;
  queueSize?: number;
  concurrency?: number;
  /** fleet mode: comma-separated NATS server URLs (absent = the embedded SQLite default) */
  nats?: string;
  natsCreds?: string;
  fleet?: string;
  role?: string;
  fleetKeyFile?: string;
  help: boolean;
}

export type HeadlessArgsParse = { ok: true; args: HeadlessArgs } | { ok: false; message: string };

type StringKey = 'token' | 'dataDir' | 'url' | 'secret' | 'daemonSocket' | 'nats' | 'natsCreds' | 'fleet' | 'role' | 'fleetKeyFile';
type IntKey = 'port' | 'timeoutMs' | 'retryBackoffMs' | 'circuitCooldownMs' | 'queueSize' | 'concurrency';
type BoolKey = 'noDaemon' | 'noOutbox' | 'demo' | 'help';

type FlagSpec = { usage: string; describe: string } & (
  | { kind: 'string'; key: StringKey; check?: (value: string) => string | null }
  | { kind: 'int'; key: IntKey; min: number; max: number }
  | { kind: 'bool'; key: BoolKey }
);

const MAX_PORT = 65_535;

/** Node's timers hold at most a signed 32-bit number of ms; longer values silently become 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Queue capacity: the dispatcher needs room for one event at least, and a million waiting events
 * is the same ceiling the settings file allows (settings-schema.ts).
 */
const MAX_QUEUE_SIZE = 1_000_000;

/** Parallel deliveries to one webhook: past this it is a flood, not a tuning knob. */
const MAX_CONCURRENCY = 64;

/**
 * The token travels in an `Authorization: Bearer` header and in the page's URL (`#token=`), so it
 * is limited to characters that need no escaping in either.
 */
const TOKEN_CHARS = /^[A-Za-z0-9._~-]+$/;

function checkToken(value: string): string | null {
  return TOKEN_CHARS.test(value) ? null : 'may contain only letters, digits and . _ ~ -';
}

function checkNatsUrls(value: string): string | null {
  const bad = value.split(',').find((u) => !/^(nats|tls):\/\/[^\s,/]+\/?$/.test(u.trim()));
  return bad === undefined ? null : `needs nats:// URLs separated by commas, got "${bad}"`;
}

function checkRole(value: string): string | null {
  return (FLEET_ROLES as readonly string[]).includes(value) ? null : `must be one of ${FLEET_ROLES.join(', ')}, got "${value}"`;
}

/** In usage order. */
const FLAG_SPECS: readonly (FlagSpec & { flag: string })[] = [
  { flag: '--port', kind: 'int', key: 'port', min: 0, max: MAX_PORT, usage: '--port N', describe: 'UI/API port on 127.0.0.1; 0 (default) picks a free one' },
  { flag: '--token', kind: 'string', key: 'token', check: checkToken, usage: '--token T', describe: 'API token (letters, digits, . _ ~ -); generated when absent' },
  { flag: '--data-dir', kind: 'string', key: 'dataDir', usage: '--data-dir D', describe: "settings, state and history folder (default: the platform's app-data folder)" },
  { flag: '--url', kind: 'string', key: 'url', usage: '--url U', describe: 'webhook URL for this run (validated; refused → exit with the reason)' },
  { flag: '--secret', kind: 'string', key: 'secret', usage: '--secret S', describe: 'signing secret (whsec_<base64> for Standard Webhooks, or raw)' },
  { flag: '--daemon-socket', kind: 'string', key: 'daemonSocket', usage: '--daemon-socket P', describe: "the Pilot daemon's socket path" },
  { flag: '--no-daemon', kind: 'bool', key: 'noDaemon', usage: '--no-daemon', describe: 'run without a daemon link' },
  { flag: '--no-outbox', kind: 'bool', key: 'noOutbox', usage: '--no-outbox', describe: 'keep the history in memory only (no history.sqlite3; pending events are lost on exit)' },
  { flag: '--demo', kind: 'bool', key: 'demo', usage: '--demo', describe: 'synthetic events; with no URL, a built-in local receiver as target; no daemon link unless --daemon-socket is given' },
  { flag: '--timeout-ms', kind: 'int', key: 'timeoutMs', min: 1, max: MAX_TIMER_MS, usage: '--timeout-ms N', describe: 'per-attempt timeout (default 5000)' },
  { flag: '--retry-backoff-ms', kind: 'int', key: 'retryBackoffMs', min: 0, max: MAX_TIMER_MS, usage: '--retry-backoff-ms N', describe: 'first wait between attempts, then doubling (default 1000)' },
  { flag: '--circuit-cooldown-ms', kind: 'int', key: 'circuitCooldownMs', min: 0, max: MAX_TIMER_MS, usage: '--circuit-cooldown-ms N', describe: 'circuit breaker cool-down (default 30000)' },
  { flag: '--queue-size', kind: 'int', key: 'queueSize', min: 1, max: MAX_QUEUE_SIZE, usage: '--queue-size N', describe: 'events that may wait, the one in flight not counted (default 1024)' },
  { flag: '--concurrency', kind: 'int', key: 'concurrency', min: 1, max: MAX_CONCURRENCY, usage: '--concurrency N', describe: `deliveries in flight at once, 1-${MAX_CONCURRENCY} (default 1)` },
  { flag: '--nats', kind: 'string', key: 'nats', check: checkNatsUrls, usage: '--nats URLS', describe: 'fleet mode: the NATS JetStream servers, comma-separated (nats://h1:4222,nats://h2:4222)' },
  { flag: '--nats-creds', kind: 'string', key: 'natsCreds', usage: '--nats-creds F', describe: 'fleet mode: NATS credentials file (.creds)' },
  { flag: '--fleet', kind: 'string', key: 'fleet', check: checkFleetName, usage: '--fleet NAME', describe: `fleet mode: the fleet's name (default ${DEFAULT_FLEET})` },
  { flag: '--role', kind: 'string', key: 'role', check: checkRole, usage: '--role R', describe: 'fleet mode: ingest, deliver or all (default all)' },
  { flag: '--fleet-key-file', kind: 'string', key: 'fleetKeyFile', usage: '--fleet-key-file F', describe: "fleet mode: the fleet key (base64 of 32 random bytes, mode 0600), the same on every process" },
  { flag: '--help', kind: 'bool', key: 'help', usage: '--help, -h', describe: 'print this help and exit' },
];

const BY_FLAG = new Map<string, FlagSpec & { flag: string }>(FLAG_SPECS.map((s) => [s.flag, s]));
BY_FLAG.set('-h', BY_FLAG.get('--help') as FlagSpec & { flag: string });

const USAGE_COLUMN = Math.max(...FLAG_SPECS.map((s) => s.usage.length)) + 2;

export const HEADLESS_USAGE = [
  'Usage: npm run headless -- [flags]',
  '',
  'Serves the Pilot Webhook Desktop window and its API on http://127.0.0.1:<port>/ and prints',
  '"listening http://127.0.0.1:<port>/" when ready.',
  '',
  'Flags (--flag value or --flag=value):',
  ...FLAG_SPECS.map((s) => `  ${s.usage.padEnd(USAGE_COLUMN)}${s.describe}`),
].join('\n');

const DIGITS = /^\d+$/;

export function parseHeadlessArgs(argv: readonly string[]): HeadlessArgsParse {
  const args: HeadlessArgs = { port: 0, noDaemon: false, demo: false, help: false };
  const seen = new Set<string>();
  const fail = (message: string): HeadlessArgsParse => ({ ok: false, message });

  for (let i = 0; i < argv.length; i++) {
    const item = argv[i] ?? '';
    if (!item.startsWith('-')) return fail(`unexpected argument "${item}" (flags start with --)`);
    const eq = item.indexOf('=');
    const name = eq === -1 ? item : item.slice(0, eq);
    const spec = BY_FLAG.get(name);
    if (spec === undefined) return fail(`unknown flag ${name}`);
    if (seen.has(spec.flag)) return fail(`${spec.flag} is given more than once`);
    seen.add(spec.flag);

    if (spec.kind === 'bool') {
      if (eq !== -1) return fail(`${spec.flag} takes no value`);
      args[spec.key] = true;
      continue;
    }

    let value: string | undefined;
    if (eq !== -1) {
      value = item.slice(eq + 1);
    } else {
      // A following flag is not a value: `--token --demo` is a forgotten token, not a token.
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      }
    }
    if (value === undefined || value === '') return fail(`${spec.flag} needs a value (${spec.usage})`);

    if (spec.kind === 'string') {
      const problem = spec.check?.(value) ?? null;
      if (problem !== null) return fail(`${spec.flag} ${problem}`);
      args[spec.key] = value;
      continue;
    }

    const n = DIGITS.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n)) {
      const what = spec.min > 0 ? `an integer of at least ${spec.min}` : 'a non-negative integer';
      return fail(`${spec.flag} must be ${what}, got "${value}"`);
    }
    if (n < spec.min || n > spec.max) return fail(`${spec.flag} must be between ${spec.min} and ${spec.max}, got ${n}`);
    args[spec.key] = n;
  }

  const fleetOnly = (['natsCreds', 'fleet', 'role', 'fleetKeyFile'] as const).find((k) => args[k] !== undefined);
  if (args.nats === undefined && fleetOnly !== undefined) {
    return fail(`--${fleetOnly.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --nats (fleet mode)`);
  }
  if (args.nats !== undefined && args.fleetKeyFile === undefined) {
    return fail('--nats needs --fleet-key-file: the fleet key encrypts the destinations\' secrets in the cluster');
  }
  if (args.nats !== undefined && args.noOutbox) {
    return fail('--no-outbox and --nats cannot be used together (fleet mode keeps events in JetStream)');
  }
  if (args.noDaemon && args.daemonSocket !== undefined) {
    return fail('--daemon-socket and --no-daemon cannot be used together');
  }
  return { ok: true, args };
}
