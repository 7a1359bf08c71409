// A destination: one place the node's events go, in the body its receiver understands. The model
// the API and the window see, the input the user gives (checked with valibot: unknown fields,
// wrong types and bad values are refused with the field named), the defaults per format, and the
// pure migration of the single-URL settings to one primary destination. Header values and the
// signing secret are secrets: the view carries masked hints only. Pure.

import * as v from 'valibot';
import { UNNAMED_DESTINATION } from './delivery';
import { checkExtraHeaders, maskHeaders } from './destination-headers';
import { compileTemplate, TemplateError } from './formats/custom-template';
import { FORMATS, guessFormat, isFormatName, type FormatName } from './formats/format-names';
import { checkTopicFiltersToSave, normaliseTopicFilters } from './topic-patterns';

/** Destinations one app keeps. Each has its own queue and connection pool: a desktop needs few. */
export const MAX_DESTINATIONS = 20;
export const MAX_NAME_CHARS = 80;
/** Rate limit bounds: one a minute up to 100 a second. */
export const RATE_LIMIT_MIN = 1;
export const RATE_LIMIT_MAX = 6000;
/**
 * Events in flight at once to one destination: 1 (the default) sends one at a time, strictly in
 * order of acceptance; up to 64 overlap (a slow chat service answers in 100–300 ms). The app-wide
 * setting and `--concurrency` share these bounds.
 */
export const CONCURRENCY_MIN = 1;
export const CONCURRENCY_MAX = 64;

/** Whether a stored concurrency can be used (absent can: the app-wide setting then). */
export function isUsableConcurrency(n: unknown): boolean {
  return n === undefined || (typeof n === 'number' && Number.isInteger(n) && n >= CONCURRENCY_MIN && n <= CONCURRENCY_MAX);
}

/**
 * Per-format default rate limits, from the services' documented webhook limits: Slack about one
 * message per second per webhook, Discord 30 per minute per webhook, Teams Workflows and Google
 * Chat about one per second. Others (pilot, custom, mattermost, ntfy) have none by default.
 */
export const DEFAULT_RATE_LIMITS: Readonly<Partial<Record<FormatName, number>>> = {
  slack: 60,
  discord: 30,
  teams: 60,
  'google-chat': 60,
};

export interface RateLimit {
  perMinute: number;
}

export interface SecretView {
  set: boolean;
  hint: string | null;
}

/** A destination as stored (header values and the secret live in the secret store, by id). */
export interface DestinationConfig {
  id: string;
  name: string;
  url: string;
  enabled: boolean;
  primary: boolean;
  format: FormatName;
  template?: string;
  topics: string[];
  rateLimit: RateLimit | null;
  /** events in flight at once (CONCURRENCY_MIN..MAX); absent: the app-wide setting */
  concurrency?: number;
}

/** What answers and the window show: the config plus masked headers and the secret's hint. */
export interface DestinationView extends DestinationConfig {
  headers: Record<string, string>;
  secret: SecretView;
}

export function destinationView(cfg: DestinationConfig, headers: Readonly<Record<string, string>>, secret: SecretView): DestinationView {
  return { ...cfg, topics: [...cfg.topics], headers: maskHeaders(headers), secret: { ...secret } };
}

export function defaultRateLimit(format: FormatName): RateLimit | null {
  const n = DEFAULT_RATE_LIMITS[format];
  return n === undefined ? null : { perMinute: n };
}

const SHORT_NAMES: Readonly<Record<FormatName, string>> = {
  pilot: 'Webhook',
  slack: 'Slack',
  mattermost: 'Mattermost',
  discord: 'Discord',
  teams: 'Teams',
  'google-chat': 'Google Chat',
  ntfy: 'ntfy',
  custom: 'Custom',
};

/** "Slack (hooks.slack.com)": a name for a destination the user did not name. */
export function defaultName(url: string, format: FormatName): string {
  let host = url;
  try {
    host = new (globalThis as unknown as { URL: new (s: string) => { host: string } }).URL(url).host;
  } catch {
    // keep the text as given
  }
  return `${SHORT_NAMES[format]} (${host})`.slice(0, MAX_NAME_CHARS);
}

const rateLimitSchema = v.nullable(
  v.strictObject({
    perMinute: v.pipe(v.number('"perMinute" must be a number'), v.integer('"perMinute" must be a whole number'), v.minValue(RATE_LIMIT_MIN, `"perMinute" must be at least ${RATE_LIMIT_MIN}`), v.maxValue(RATE_LIMIT_MAX, `"perMinute" must be at most ${RATE_LIMIT_MAX}`)),
  }, 'rateLimit must be {"perMinute": N} or null'),
);

const concurrencySchema = v.nullable(
  v.pipe(
    v.number('"concurrency" must be a number (events in flight at once), or null for the app-wide setting'),
    v.integer('"concurrency" must be a whole number'),
    v.minValue(CONCURRENCY_MIN, `"concurrency" must be at least ${CONCURRENCY_MIN} (one event at a time, in order)`),
    v.maxValue(CONCURRENCY_MAX, `"concurrency" must be at most ${CONCURRENCY_MAX}`),
  ),
);

const fields = {
  url: v.string('"url" must be a string'),
  name: v.pipe(v.string('"name" must be a string'), v.trim(), v.minLength(1, '"name" must not be empty'), v.maxLength(MAX_NAME_CHARS, `"name" is at most ${MAX_NAME_CHARS} characters`)),
  format: v.picklist(FORMATS, `"format" must be one of ${FORMATS.join(', ')}`),
  template: v.nullable(v.string('"template" must be a string')),
  topics: v.union([v.string(), v.array(v.string('topic patterns must be strings'))], '"topics" must be a list of patterns or a comma-separated string'),
  headers: v.record(v.string(), v.unknown(), '"headers" must be an object such as {"Authorization": "Bearer …"}'),
  enabled: v.boolean('"enabled" must be true or false'),
  rateLimit: rateLimitSchema,
  concurrency: concurrencySchema,
};

/** What creating and patching alike may set, each optional (the url differs: required at creation). */
const optionalSettable = {
  name: v.optional(fields.name),
  format: v.optional(fields.format),
  template: v.optional(fields.template),
  topics: v.optional(fields.topics),
  headers: v.optional(fields.headers),
  enabled: v.optional(fields.enabled),
  rateLimit: v.optional(fields.rateLimit),
  concurrency: v.optional(fields.concurrency),
};

/** POST /api/destinations: url required, the rest optional. Unknown fields are refused. */
export const createDestinationSchema = v.strictObject({ url: fields.url, ...optionalSettable });

/** PATCH /api/destinations/:id: any subset (primary may be moved to this one). */
export const patchDestinationSchema = v.strictObject({
  url: v.optional(fields.url),
  ...optionalSettable,
  primary: v.optional(v.literal(true, '"primary" can only be set to true (make another destination primary to move it)')),
});

export type CreateDestinationInput = v.InferOutput<typeof createDestinationSchema>;
export type PatchDestinationInput = v.InferOutput<typeof patchDestinationSchema>;

export interface InputError {
  code: string;
  message: string;
  field?: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: InputError };

/** The URL rule the caller applies (shared url-rules with the app's own ports and strictness). */
export type UrlRule = (url: string) => { ok: true; url: string } | { ok: false; code: string; message: string };

function schemaError(issues: readonly v.BaseIssue<unknown>[]): InputError {
  const issue = issues[0]!;
  const path = issue.path?.map((p) => String(p.key)).join('.');
  if (issue.kind === 'schema' && issue.type === 'strict_object' && issue.input !== undefined && path) {
    return { code: 'unknown_field', field: path, message: `unknown field "${path}"` };
  }
  return { code: 'bad_field', message: issue.message, ...(path ? { field: path.split('.')[0]! } : {}) };
}

/** Every field of a destination after checks, as it will be stored (the secret store's part too). */
export interface CheckedFields {
  url?: string;
  name?: string;
  format?: FormatName;
  /** why this format, when it was guessed from the URL */
  formatReason?: string;
  template?: string | null;
  topics?: string[];
  headers?: Record<string, string>;
  enabled?: boolean;
  rateLimit?: RateLimit | null;
  /** null: back to the app-wide setting */
  concurrency?: number | null;
  primary?: true;
}

/**
 * Checks one create or patch body against the schema and every rule (URL rules, topic patterns
 * that match known topics, header deny list, template syntax). `current` is the destination being
 * patched (its format and template decide what a partial patch must still satisfy).
 */
export function checkDestinationFields(
  input: unknown,
  mode: 'create' | 'patch',
  urlRule: UrlRule,
  current?: DestinationConfig,
): Checked<CheckedFields> {
  const parsed = v.safeParse(mode === 'create' ? createDestinationSchema : patchDestinationSchema, input);
  if (!parsed.success) {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return { ok: false, error: { code: 'bad_body', message: 'the body must be a JSON object such as {"url": "https://…"}' } };
    }
    return { ok: false, error: schemaError(parsed.issues) };
  }
  const inp = parsed.output as PatchDestinationInput & { url?: string };
  const out: CheckedFields = {};
  if (inp.url !== undefined) {
    const check = urlRule(inp.url.trim());
    if (!check.ok) return { ok: false, error: { code: check.code, message: check.message, field: 'url' } };
    out.url = check.url;
  }
  if (inp.name !== undefined) out.name = inp.name;
  if (inp.format !== undefined) out.format = inp.format;
  else if (mode === 'create' && out.url !== undefined) {
    const guess = guessFormat(out.url);
    out.format = guess.format;
    out.formatReason = guess.reason;
  }
  const format = out.format ?? current?.format ?? 'pilot';
  if (inp.template !== undefined) out.template = inp.template === null || inp.template.trim() === '' ? null : inp.template;
  const template = out.template !== undefined ? out.template : (current?.template ?? null);
  if (format === 'custom') {
    if (template === null) return { ok: false, error: { code: 'template_missing', field: 'template', message: 'the custom format needs a JSONata template, e.g. {"text": text}' } };
    try {
      compileTemplate(template);
    } catch (err) {
      const e = err as TemplateError;
      return { ok: false, error: { code: e.code ?? 'template_syntax', field: 'template', message: e.message } };
    }
  } else if (out.template !== undefined && out.template !== null) {
    return { ok: false, error: { code: 'template_unused', field: 'template', message: `a template is used only by the custom format, not ${format}` } };
  }
  if (inp.topics !== undefined) {
    const list = normaliseTopicFilters(typeof inp.topics === 'string' ? inp.topics.split(',') : inp.topics);
    const problem = checkTopicFiltersToSave(list);
    if (problem) return { ok: false, error: { code: 'bad_topic_filter', field: 'topics', message: problem } };
    out.topics = list;
  }
  if (inp.headers !== undefined) {
    const check = checkExtraHeaders(inp.headers);
    if (!check.ok) return { ok: false, error: { code: 'bad_header', field: 'headers', message: check.message } };
    out.headers = check.headers;
  }
  if (inp.enabled !== undefined) out.enabled = inp.enabled;
  if (inp.rateLimit !== undefined) out.rateLimit = inp.rateLimit;
  if (inp.concurrency !== undefined) out.concurrency = inp.concurrency;
  if (inp.primary !== undefined) out.primary = inp.primary;
  return { ok: true, value: out };
}

/** The config of a new destination from checked create fields (headers go to the secret store). */
export function newDestinationConfig(id: string, f: CheckedFields, primary: boolean): DestinationConfig {
  const url = f.url!;
  const format = f.format ?? 'pilot';
  const cfg: DestinationConfig = {
    id,
    name: f.name ?? defaultName(url, format),
    url,
    enabled: f.enabled ?? true,
    primary,
    format,
    topics: f.topics ?? [],
    rateLimit: f.rateLimit !== undefined ? f.rateLimit : defaultRateLimit(format),
  };
  if (f.template) cfg.template = f.template;
  if (f.concurrency != null) cfg.concurrency = f.concurrency;
  return cfg;
}

/** A patched config (a format change without an explicit rate limit takes the new format's default). */
export function patchedDestinationConfig(cur: DestinationConfig, f: CheckedFields): DestinationConfig {
  const next: DestinationConfig = { ...cur, topics: [...cur.topics] };
  if (f.url !== undefined) next.url = f.url;
  if (f.name !== undefined) next.name = f.name;
  if (f.format !== undefined && f.format !== cur.format) {
    next.format = f.format;
    if (f.rateLimit === undefined) next.rateLimit = defaultRateLimit(f.format);
  }
  if (f.template !== undefined) {
    if (f.template === null) delete next.template;
    else next.template = f.template;
  }
  if (next.format !== 'custom') delete next.template;
  if (f.topics !== undefined) next.topics = f.topics;
  if (f.enabled !== undefined) next.enabled = f.enabled;
  if (f.rateLimit !== undefined) next.rateLimit = f.rateLimit;
  if (f.concurrency === null) delete next.concurrency;
  else if (f.concurrency !== undefined) next.concurrency = f.concurrency;
  if (f.primary) next.primary = true;
  return next;
}

/** The single-URL settings this version replaces. */
export interface LegacyDeliverySettings {
  url: string | null;
  secret: string | null;
  topicFilters: readonly string[];
}

export interface MigratedDestinations {
  destinations: DestinationConfig[];
  /** by destination id: the signing secret to keep in the secret store */
  secrets: Record<string, string>;
}

/** Id of the destination migrated from the single-URL settings: stable, so a re-run is a no-op. */
export const MIGRATED_PRIMARY_ID = UNNAMED_DESTINATION;

/**
 * The single URL, its secret and its topic filter as one primary destination, format `pilot`
 * (what it received before: the daemon's body, signed), nothing lost. Nothing set at all: no
 * destination. A secret or a topic filter without a URL is kept on a disabled primary with an
 * empty URL, so the first URL the user saves signs and filters as it would have.
 */
export function migrateLegacySettings(old: LegacyDeliverySettings): MigratedDestinations {
  if (old.url === null && old.secret === null && old.topicFilters.length === 0) return { destinations: [], secrets: {} };
  const cfg: DestinationConfig = {
    id: MIGRATED_PRIMARY_ID,
    name: old.url === null ? 'Webhook' : defaultName(old.url, 'pilot'),
    url: old.url ?? '',
    enabled: old.url !== null,
    primary: true,
    format: 'pilot',
    topics: [...old.topicFilters],
    rateLimit: null,
  };
  return { destinations: [cfg], secrets: old.secret === null ? {} : { [cfg.id]: old.secret } };
}

export { isFormatName };
