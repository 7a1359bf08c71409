// The Destinations panel's pure part: how a destination reads in the list (name, masked URL,
// counters, rate limit, events in flight at once) and how the add/edit form's fields become the createDestination and
// updateDestination arguments. Header values are write-only: the window is only ever given their
// masked hints, so an edit sends `headers` only when the user typed a new set (the API replaces
// the whole set), never the hints back. No DOM here.

import type { DestinationSummary } from '../shared/destination-summary';
import { CONCURRENCY_MAX, CONCURRENCY_MIN, DEFAULT_RATE_LIMITS, RATE_LIMIT_MAX, RATE_LIMIT_MIN } from '../shared/destination';
import { FORMAT_LABELS, guessFormat, type FormatName } from '../shared/formats/format-names';
import { safeText } from '../shared/safe-text';
import { parseTopicList } from '../shared/topic-patterns';
import { maskUrlCredentials } from '../shared/url-mask';
import { shownStats } from './counters';
import { formatCount } from './format';

/** The form's "format" choice: a format, or '' for "chosen from the URL". */
export type FormatChoice = FormatName | '';

export interface HeaderRow {
  name: string;
  value: string;
}

/** What the form's fields hold, as typed. */
export interface FormValues {
  url: string;
  name: string;
  format: FormatChoice;
  template: string;
  /** comma-separated topic patterns; empty = every topic */
  topics: string;
  /** null: keep the saved headers (edit only); a list: the new set, replacing the old */
  headers: HeaderRow[] | null;
  /** messages a minute as typed; '' = the format's default, '0' = no limit */
  rateLimit: string;
  /** events in flight at once as typed; '' = the app-wide setting */
  concurrency: string;
  enabled: boolean;
}

/** A problem the form finds before asking the app, in the API's shape (`field` names the input). */
export interface FormProblem {
  field: string;
  message: string;
}

type Built<T> = { ok: true; arg: T } | { ok: false; problem: FormProblem };

export interface CreateArg {
  url: string;
  name?: string;
  format?: FormatName;
  template?: string;
  topics?: string[];
  headers?: Record<string, string>;
  rateLimit?: { perMinute: number } | null;
  /** null (a patch): back to the app-wide setting */
  concurrency?: number | null;
  enabled?: boolean;
}

export type PatchArg = Partial<Omit<CreateArg, 'template'>> & { id: string; template?: string | null };

/** The URL as the window shows it anywhere but its own edit field: credentials never echoed. */
export function shownUrl(url: string): string {
  return url === '' ? 'no URL' : safeText(maskUrlCredentials(url));
}

/** The short name of a format: "Slack", "Pilot JSON", … (the first words of its label). */
export function formatShort(format: FormatName): string {
  return FORMAT_LABELS[format].replace(/ \(.*$/, '').replace(/ (incoming )?webhook$| topic$| Workflows$| template$/i, '');
}

/** What the "chosen from the URL" choice means for the URL typed so far. */
export function chosenFromUrl(url: string): { format: FormatName; text: string } {
  if (url.trim() === '') return { format: 'pilot', text: 'Chosen from the URL once one is typed.' };
  const guess = guessFormat(url.trim());
  return { format: guess.format, text: `Chosen from the URL: ${FORMAT_LABELS[guess.format]} — ${guess.reason}.` };
}

/**
 * The line under the format choice: why "chosen from the URL" means what it does, or, for a
 * format picked by hand, what the URL would have chosen when that differs (a likely slip).
 */
export function formatWhy(v: Pick<FormValues, 'format' | 'url'>): string {
  const guess = chosenFromUrl(v.url);
  if (v.format === '') return guess.text;
  if (v.url.trim() === '' || guess.format === v.format || guess.format === 'pilot') return '';
  return `The URL suggests ${FORMAT_LABELS[guess.format]} instead.`;
}

/** The format the form's choice stands for (the preview renders it). */
export function effectiveFormat(v: Pick<FormValues, 'format' | 'url'>): FormatName {
  return v.format === '' ? chosenFromUrl(v.url).format : v.format;
}

/** "12 delivered · 1 failed · 3 waiting · 2 not sent": the counters a destination row shows. */
export function countsLine(d: Pick<DestinationSummary, 'stats'>): string {
  const s = shownStats(d.stats);
  const parts = [`${formatCount(s.received)} received`, `${formatCount(s.delivered)} delivered`, `${formatCount(s.failed)} failed`, `${formatCount(s.queued)} waiting`];
  if (s.notSent > 0) parts.push(`${formatCount(s.notSent)} not sent`);
  if (s.filtered > 0) parts.push(`${formatCount(s.filtered)} filtered`);
  return parts.join(' · ');
}

/** Why the run-only primary's row cannot be edited, switched off or deleted, and what to do instead. */
export function runOnlyNote(run: NonNullable<DestinationSummary['runOnly']>): string {
  const replaced = run.saved ? '' : ' The first destination you add, or a URL saved in Setup, takes its place.';
  if (run.from === 'demo') {
    return `The demo's built-in receiver, for this run only: it stops with the app, so it cannot be saved, edited, switched off or deleted.${replaced || ' A URL saved in Setup takes its place.'}`;
  }
  const instead = run.savedUrl === null ? '' : ` It stands in for the saved URL ${shownUrl(run.savedUrl)}, which comes back at the next start without --url.`;
  return `Given with --url for this run only and not saved, so it cannot be edited, switched off or deleted: save it to change it.${instead}${replaced}`;
}

/** "at most 60 a minute (5 waiting for the next digest)", or null without a limit. */
export function rateLimitLine(d: Pick<DestinationSummary, 'rateLimit' | 'rateLimited'>): string | null {
  if (d.rateLimit === null) return null;
  const waiting = d.rateLimited?.waiting ?? 0;
  return `At most ${formatCount(d.rateLimit.perMinute)} a minute${waiting > 0 ? ` · ${formatCount(waiting)} waiting for the next digest` : ''}`;
}

/** The rate-limit field's hint for a format: what an empty field means. */
export function rateLimitHint(format: FormatName): string {
  const n = DEFAULT_RATE_LIMITS[format];
  const empty = n === undefined ? 'no limit' : `${n} a minute, ${FORMAT_LABELS[format].replace(/ \(.*$/, '')}'s documented limit`;
  return `Messages a minute; more are gathered into one digest message. Empty: the format's default (${empty}). 0: no limit.`;
}

/**
 * "Up to 8 events in flight at once: they may arrive out of order", or null at 1 (one at a time,
 * in order: nothing to say).
 */
export function concurrencyLine(d: Pick<DestinationSummary, 'concurrencyInUse'>): string | null {
  if (d.concurrencyInUse <= 1) return null;
  return `Up to ${formatCount(d.concurrencyInUse)} events in flight at once: they may arrive out of order`;
}

/** The "In flight at once" field's hint: what 1 and more mean, and what empty means. */
export function concurrencyHint(appWide: number | undefined): string {
  const empty = appWide === undefined ? 'the app-wide setting' : `the app-wide setting (${formatCount(appWide)})`;
  return `Events sent here at the same time. 1: one at a time, strictly in the order they arrived. More: faster with a slow receiver, but events may arrive out of order. Empty: ${empty}.`;
}

/** The form's values for an existing destination (headers kept unless the user replaces them). */
export function valuesOf(d: DestinationSummary): FormValues {
  return {
    url: d.url,
    name: d.name,
    format: d.format,
    template: d.template ?? '',
    topics: d.topics.join(', '),
    headers: null,
    rateLimit: d.rateLimit === null ? '0' : String(d.rateLimit.perMinute),
    concurrency: d.concurrency === undefined ? '' : String(d.concurrency),
    enabled: d.enabled,
  };
}

/** The typed concurrency: a number, or null for empty (the app-wide setting). */
function concurrencyOf(text: string): Built<number | null> {
  const t = text.trim();
  if (t === '') return { ok: true, arg: null };
  const n = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!(n >= CONCURRENCY_MIN && n <= CONCURRENCY_MAX)) {
    return { ok: false, problem: { field: 'concurrency', message: `Enter a whole number from ${CONCURRENCY_MIN} (one at a time, in order) to ${CONCURRENCY_MAX}, or leave it empty for the app-wide setting.` } };
  }
  return { ok: true, arg: n };
}

function rateLimitOf(text: string): Built<{ perMinute: number } | null | undefined> {
  const t = text.trim();
  if (t === '') return { ok: true, arg: undefined };
  if (!/^\d+$/.test(t)) return { ok: false, problem: { field: 'rateLimit', message: `Enter a whole number of messages a minute (${RATE_LIMIT_MIN}–${RATE_LIMIT_MAX}), 0 for no limit, or leave it empty.` } };
  const n = Number(t);
  if (n === 0) return { ok: true, arg: null };
  if (n > RATE_LIMIT_MAX) return { ok: false, problem: { field: 'rateLimit', message: `At most ${RATE_LIMIT_MAX} a minute (100 a second).` } };
  return { ok: true, arg: { perMinute: n } };
}

function headersOf(rows: readonly HeaderRow[]): Built<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const row of rows) {
    const name = row.name.trim();
    if (name === '' && row.value === '') continue;
    if (name === '') return { ok: false, problem: { field: 'headers', message: 'A header value needs its name (e.g. Authorization).' } };
    if (row.value.trim() === '') return { ok: false, problem: { field: 'headers', message: `Enter the value of "${name.slice(0, 60)}", or remove the row.` } };
    out[name] = row.value;
  }
  return { ok: true, arg: out };
}

/** The createDestination argument, leaving out what the app chooses itself (name, format, limit). */
export function createArg(v: FormValues): Built<CreateArg> {
  if (v.url.trim() === '') return { ok: false, problem: { field: 'url', message: 'Enter the destination’s webhook URL.' } };
  const arg: CreateArg = { url: v.url.trim() };
  if (v.name.trim() !== '') arg.name = v.name.trim();
  if (v.format !== '') arg.format = v.format;
  if (v.format === 'custom') arg.template = v.template;
  if (v.topics.trim() !== '') arg.topics = parseTopicList(v.topics);
  if (v.headers !== null) {
    const h = headersOf(v.headers);
    if (!h.ok) return h;
    if (Object.keys(h.arg).length > 0) arg.headers = h.arg;
  }
  const limit = rateLimitOf(v.rateLimit);
  if (!limit.ok) return limit;
  if (limit.arg !== undefined) arg.rateLimit = limit.arg;
  const concurrency = concurrencyOf(v.concurrency);
  if (!concurrency.ok) return concurrency;
  if (concurrency.arg !== null) arg.concurrency = concurrency.arg;
  if (!v.enabled) arg.enabled = false;
  return { ok: true, arg };
}

/** The updateDestination argument: only the fields that differ from the saved destination. */
export function patchArg(d: DestinationSummary, v: FormValues): Built<PatchArg> {
  if (v.url.trim() === '') return { ok: false, problem: { field: 'url', message: 'Enter the destination’s webhook URL.' } };
  const arg: PatchArg = { id: d.id };
  if (v.url.trim() !== d.url) arg.url = v.url.trim();
  if (v.name.trim() !== d.name) {
    if (v.name.trim() === '') return { ok: false, problem: { field: 'name', message: 'A destination needs a name.' } };
    arg.name = v.name.trim();
  }
  const format = v.format === '' ? chosenFromUrl(v.url).format : v.format;
  if (format !== d.format) arg.format = format;
  if (format === 'custom' && v.template !== (d.template ?? '')) arg.template = v.template;
  const topics = parseTopicList(v.topics);
  if (topics.join(',') !== d.topics.join(',')) arg.topics = topics;
  if (v.headers !== null) {
    const h = headersOf(v.headers);
    if (!h.ok) return h;
    arg.headers = h.arg;
  }
  const limit = rateLimitOf(v.rateLimit);
  if (!limit.ok) return limit;
  const before = d.rateLimit === null ? null : d.rateLimit.perMinute;
  const after = limit.arg === undefined ? undefined : limit.arg === null ? null : limit.arg.perMinute;
  if (after !== undefined && after !== before) arg.rateLimit = limit.arg ?? null;
  const concurrency = concurrencyOf(v.concurrency);
  if (!concurrency.ok) return concurrency;
  if (concurrency.arg !== (d.concurrency ?? null)) arg.concurrency = concurrency.arg;
  if (v.enabled !== d.enabled) arg.enabled = v.enabled;
  return { ok: true, arg };
}

/** True when a patch changes nothing (only the id). */
export function emptyPatch(arg: PatchArg): boolean {
  return Object.keys(arg).length === 1;
}
