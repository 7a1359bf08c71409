// The destination bridge calls in fleet mode: the same calls, arguments, checks and answers as
// the embedded app's (destinations/destination-calls.ts, shared/destination.ts), over the fleet's
// KV bucket instead of this machine's settings, so any window of the fleet adds, changes or
// removes a destination for every deliver process. Secrets and header values are sealed with the
// fleet key in the bucket (fleet-config.ts) and leave here only as masked hints.
//
// The primary is the destination with id `primary` (the URL field and the single-URL calls act on
// it); in fleet mode it does not move.

import { randomBytes } from 'node:crypto';
import { fail, isErrorCode, type ErrorCode, type Result } from '../../../shared/api-errors';
import type { BridgeHandlers, TestResult } from '../../../shared/bridge';
import { CallRefusal } from '../../../shared/call-answer';
import {
  checkDestinationFields,
  destinationView,
  MAX_DESTINATIONS,
  newDestinationConfig,
  patchedDestinationConfig,
  type DestinationConfig,
  type InputError,
  type UrlRule,
} from '../../../shared/destination';
import { destinationStatus, type DestinationSummary } from '../../../shared/destination-summary';
import { guessFormat } from '../../../shared/formats/format-names';
import { refusalHint } from '../../../shared/refusal-hints';
import type { DestinationCallName } from '../destinations/destination-calls';
import type { Dispatcher } from '../delivery/dispatcher';
import { secretHint } from '../delivery/signing';
import type { FleetConfig, FleetDestination } from './fleet-config';
import { shaperFor } from './fleet-deliverer';
import type { FleetDelivery } from './fleet-delivery';

/** The destination the URL field, the secret and the topic filters act on. */
export const PRIMARY_ID = 'primary';

/** Length of a generated id in random bytes (8 hex digits: unique among 20 destinations). */
const ID_BYTES = 4;

export interface FleetDestinationParts {
  /** the fleet's configuration, or null while it cannot be read (then why: `unavailable`) */
  config(): FleetConfig | null;
  unavailable(): string;
  delivery: FleetDelivery;
  checkUrl: UrlRule;
  /** a one-off engine for a test send (its own signer and shaper); closed after the send */
  tester(): Dispatcher;
  /** this process's pause / sleep, for the status lines */
  waiting(): 'paused' | 'suspended' | null;
  changed(): void;
}

/** A fleet destination in the embedded app's terms (the shared checks and views work on these). */
export function configOf(d: FleetDestination): DestinationConfig {
  const url = d.url ?? '';
  const format = d.format ?? (url === '' ? 'pilot' : guessFormat(url).format);
  const cfg: DestinationConfig = { id: d.id, name: d.name, url, enabled: d.enabled, primary: d.id === PRIMARY_ID, format, topics: [...d.topics], rateLimit: d.rateLimit ?? null };
  if (d.template !== undefined) cfg.template = d.template;
  if (d.concurrency !== undefined) cfg.concurrency = d.concurrency;
  return cfg;
}

/** Back to the fleet's form, keeping what the config does not hold (secret, headers, creation). */
export function fleetDestinationOf(cfg: DestinationConfig, keep: Pick<FleetDestination, 'secret' | 'headers' | 'createdAt'>): FleetDestination {
  const d: FleetDestination = {
    id: cfg.id,
    name: cfg.name,
    url: cfg.url === '' ? null : cfg.url,
    enabled: cfg.enabled,
    createdAt: keep.createdAt,
    topics: [...cfg.topics],
    secret: keep.secret,
    headers: { ...keep.headers },
    format: cfg.format,
    rateLimit: cfg.rateLimit,
  };
  if (cfg.template !== undefined) d.template = cfg.template;
  if (cfg.concurrency !== undefined) d.concurrency = cfg.concurrency;
  return d;
}

function refuse<T>(e: InputError): Result<T> {
  const code: ErrorCode = isErrorCode(e.code) ? e.code : e.field === 'template' ? 'template_syntax' : 'bad_field';
  return fail(code, e.message, e.field);
}

function unknownId<T>(id: string): Result<T> {
  return fail('not_found', `There is no destination ${id} in the fleet: list them with GET /api/destinations.`, 'id');
}

function writeFailed<T>(err: unknown): Result<T> {
  return fail('fleet_unavailable', `The fleet configuration could not be written (${err instanceof Error ? err.message : String(err)}); nothing changed.`);
}

export function fleetDestinationHandlers(p: FleetDestinationParts): Pick<BridgeHandlers, DestinationCallName> & { summaries(): DestinationSummary[] } {
  const summaryOf = (d: FleetDestination, now: number): DestinationSummary => {
    const cfg = configOf(d);
    const stats = p.delivery.statsOf(d.id);
    const breaker = p.delivery.breakerOf(d.id);
    const engine = p.delivery.get(d.id)?.dispatcher;
    return {
      ...destinationView(cfg, d.headers, { set: d.secret !== null, hint: d.secret === null ? null : secretHint(d.secret) }),
      stats,
      breaker,
      client: engine?.client() ?? { dropped: 0, circuitSkips: 0 },
      concurrencyInUse: engine?.concurrency ?? cfg.concurrency ?? p.delivery.concurrency,
      status: destinationStatus({ url: cfg.url, enabled: cfg.enabled, waiting: p.waiting(), breaker, stats }, now),
    };
  };
  const summaries = (): DestinationSummary[] => {
    const now = Date.now();
    const list = p.config()?.list() ?? [];
    return list.sort((a, b) => Number(b.id === PRIMARY_ID) - Number(a.id === PRIMARY_ID) || a.createdAt - b.createdAt).map((d) => summaryOf(d, now));
  };
  const gone = <T>(): Result<T> => fail('fleet_unavailable', `The fleet's destinations cannot be changed now: ${p.unavailable()}`);
  const write = async (d: FleetDestination): Promise<Result<DestinationSummary>> => {
    const config = p.config();
    if (!config) return gone();
    try {
      await config.put(d);
    } catch (err) {
      return writeFailed(err);
    }
    p.changed();
    return { ok: true, value: summaryOf(config.get(d.id) ?? d, Date.now()) };
  };

  return {
    summaries,
    listDestinations: async () => ({ destinations: summaries() }),

    createDestination: async (arg) => {
      const config = p.config();
      if (!config) return gone();
      if (config.list().length >= MAX_DESTINATIONS) return fail('too_many', `At most ${MAX_DESTINATIONS} destinations: remove one before adding another.`);
      const checked = checkDestinationFields(arg, 'create', p.checkUrl);
      if (!checked.ok) return refuse(checked.error);
      const f = checked.value;
      // The fleet's first destination is its primary, as in the embedded app.
      let id = config.get(PRIMARY_ID) === undefined ? PRIMARY_ID : '';
      while (id === '' || config.get(id) !== undefined) id = `d${randomBytes(ID_BYTES).toString('hex')}`;
      const cfg = newDestinationConfig(id, f, id === PRIMARY_ID);
      const r = await write(fleetDestinationOf(cfg, { secret: null, headers: f.headers ?? {}, createdAt: Date.now() }));
      if (!r.ok) return r;
      return { ok: true, value: { destination: r.value, ...(f.formatReason !== undefined && { formatReason: f.formatReason }) } };
    },

    updateDestination: async ({ id, ...rest }) => {
      const config = p.config();
      if (!config) return gone();
      const cur = config.get(id);
      if (cur === undefined) return unknownId(id);
      const before = configOf(cur);
      const checked = checkDestinationFields(rest, 'patch', p.checkUrl, before);
      if (!checked.ok) return refuse(checked.error);
      const f = checked.value;
      if (f.primary && id !== PRIMARY_ID) {
        return fail('unsupported', 'In fleet mode the primary destination stays the one with id "primary"; change its URL instead.', 'primary');
      }
      const next = fleetDestinationOf(patchedDestinationConfig(before, f), { secret: cur.secret, headers: f.headers ?? cur.headers, createdAt: cur.createdAt });
      const r = await write(next);
      return r.ok ? { ok: true, value: { destination: r.value } } : r;
    },

    deleteDestination: async ({ id }) => {
      const config = p.config();
      if (!config) return gone();
      if (config.get(id) === undefined) return unknownId(id);
      try {
        await config.remove(id);
      } catch (err) {
        return writeFailed(err);
      }
      // Every deliver process stops its engine on this change; then nothing reads the consumer.
      await p.delivery.dropConsumer(id);
      p.changed();
      return { ok: true, value: { deleted: id } };
    },

    setDestinationSecret: async ({ id, secret }) => {
      const config = p.config();
      if (!config) return gone();
      const cur = config.get(id);
      if (cur === undefined) return unknownId(id);
      const trimmed = secret.trim();
      if (trimmed === '') return fail('empty', 'The secret is empty: type one.', 'secret');
      const r = await write({ ...cur, secret: trimmed });
      return r.ok ? { ok: true, value: { hint: secretHint(trimmed) } } : r;
    },

    clearDestinationSecret: async ({ id }) => {
      const config = p.config();
      if (!config) return gone();
      const cur = config.get(id);
      if (cur === undefined) return unknownId(id);
      const r = await write({ ...cur, secret: null });
      return r.ok ? { ok: true, value: { set: false } } : r;
    },

    // Sent from this process, outside the fleet's streams: the destination's own format, headers
    // and signature, with a hint for the known refusals (Slack's no_text, …).
    testDestination: async ({ id }): Promise<TestResult> => {
      const d = p.config()?.get(id);
      if (d === undefined) throw new CallRefusal({ code: 'not_found', message: `There is no destination ${id} in the fleet: list them with GET /api/destinations.`, field: 'id' });
      if (d.url === null || d.url === '') return { ok: false, durationMs: 0, error: 'This destination has no URL yet.' };
      const t = p.tester();
      try {
        t.setSecret(d.secret);
        t.setShaper(shaperFor(d));
        const result = await t.sendTest(d.url);
        const hint = refusalHint({ format: configOf(d).format, url: d.url, status: result.status, snippet: result.responseSnippet });
        return hint ? { ...result, hint } : result;
      } finally {
        await t.close();
      }
    },
  };
}
