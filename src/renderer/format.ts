// How numbers, times and outcomes read in the window. Pure functions.

import type { AttemptRecord, ErrorCategory, Outcome } from '../shared/delivery';

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
  // The message often just repeats the status ("HTTP 500"); say it once.
  return a.message && !head.includes(a.message) ? `${head}: ${a.message}` : head;
}

/** Pretty-prints JSON text; anything that does not parse is shown as it is. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
