// How numbers, times and outcomes read in the window. Pure functions.

import type { AttemptRecord, ErrorCategory, Outcome } from '../shared/delivery';
import { safeText } from '../shared/safe-text';

const COUNT_FORMAT = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return COUNT_FORMAT.format(n);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Local wall-clock time with milliseconds: events arrive many per second. */
export function formatTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Local date and time, for the details panel. */
export function formatDateTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatTime(epochMs)}`;
}

/** The same moment in UTC, ISO-like, for hover titles and the details panel. */
export function formatUtc(epochMs: number): string {
  return `${new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '')} UTC`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/**
 * A log row's time, in local time (the one convention of the window; UTC is on hover): today
 * "14:05:03.120", another day "Nov 30 14:05", another year "2025-11-30 14:05".
 */
export function formatWhen(epochMs: number, now: number): string {
  const d = new Date(epochMs);
  const today = new Date(now);
  if (sameDay(d, today)) return formatTime(epochMs);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (d.getFullYear() === today.getFullYear()) return `${MONTHS[d.getMonth()]} ${pad(d.getDate())} ${hm}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
}

/** Hours and minutes, local: "14:05", or "Nov 30 14:05" when not today. */
export function formatClock(epochMs: number, now: number): string {
  const d = new Date(epochMs);
  const hm = formatHourMinute(epochMs);
  return sameDay(d, new Date(now)) ? hm : `${MONTHS[d.getMonth()]} ${pad(d.getDate())} ${hm}`;
}

/** The 24-hour local clock alone, `HH:MM`, where the span shown needs no date (the last hour). */
export function formatHourMinute(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

const OUTCOME_LABELS: { readonly [K in Outcome]: string } = {
  queued: 'Queued',
  delivered: 'Delivered',
  failed: 'Failed',
  client_error: 'Refused (4xx)',
  redirect: 'Redirect, not followed',
  dropped: 'Dropped: queue full',
  circuit_skipped: 'Skipped: circuit open',
  abandoned: 'Abandoned at close',
  no_url: 'Not sent: no URL',
  filtered: 'Filtered',
  rejected: 'Rejected by ingest',
};

export function outcomeLabel(outcome: Outcome): string {
  return OUTCOME_LABELS[outcome];
}

/** The log's outcome chip: one or two words, the full label is in the details. */
const CHIP_LABELS: { readonly [K in Outcome]: string } = {
  queued: 'Waiting',
  delivered: 'Delivered',
  failed: 'Failed',
  client_error: 'Refused',
  redirect: 'Redirect',
  dropped: 'Dropped',
  circuit_skipped: 'Skipped',
  abandoned: 'Abandoned',
  no_url: 'No URL',
  filtered: 'Filtered',
  rejected: 'Rejected',
};

export function chipLabel(outcome: Outcome): string {
  return CHIP_LABELS[outcome];
}

/** What one attempt got, in a few words for a log row: "HTTP 500", "connection refused". */
export function attemptShort(a: AttemptRecord): string {
  if (a.status !== undefined) return `HTTP ${a.status}`;
  return a.error === undefined ? 'no answer' : ERROR_LABELS[a.error];
}

const ERROR_LABELS: { readonly [K in ErrorCategory]: string } = {
  timeout: 'timed out',
  refused: 'connection refused',
  dns: 'name not found',
  reset: 'connection reset',
  tls: 'TLS error',
  redirect: 'redirect',
  http: 'HTTP error',
  blocked: 'blocked by the URL rules',
  network: 'network error',
};

/** "HTTP 500", "connection refused: …": what one attempt got. */
export function attemptResult(a: AttemptRecord): string {
  const parts: string[] = [];
  if (a.status !== undefined) parts.push(`HTTP ${a.status}`);
  if (a.error !== undefined && !(a.error === 'http' && a.status !== undefined)) parts.push(ERROR_LABELS[a.error]);
  const head = parts.join(', ') || 'no answer';
  // The message often just repeats the status ("HTTP 500"); say it once. It can come from the
  // receiver or the network stack: neutralised like all outside text.
  return a.message && !head.includes(a.message) ? `${head}: ${safeText(a.message)}` : head;
}

/** Pretty-prints JSON text; anything that does not parse is shown as it is. */
export function prettyJson(text: string): string {
  let pretty = text;
  try {
    pretty = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // Not JSON: shown as it is.
  }
  return safeText(pretty, { multiline: true });
}
