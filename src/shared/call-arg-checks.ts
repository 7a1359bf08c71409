// Checks the argument of every bridge call before a handler sees it. Whatever crosses a process
// boundary (Electron IPC from the window, an HTTP body) is untrusted input: a compromised or buggy
// window must not be able to hand the controller a value of the wrong shape. Pure.

import type { CallArg, CallName } from './bridge';
import { OUTCOMES, REDELIVER_OUTCOMES } from './delivery';
import { isRfc3339, MAX_TOPIC_LENGTH } from './events';
import { checkTopicFilters } from './topic-patterns';

export type ArgCheck<K extends CallName> = { ok: true; value: CallArg<K> } | { ok: false; message: string };

/** Longer than any usable webhook URL; stops a window from making main copy megabytes around. */
export const MAX_URL_LENGTH = 8192;

/** Longer than any sensible signing secret (Standard Webhooks secrets are ~50 characters). */
export const MAX_SECRET_LENGTH = 1024;

/** One resend may name at most this many records: a generous page of the log. */
export const MAX_RESEND_IDS = 10_000;

/** A topic filter is no longer than a topic. */
const MAX_TOPIC_FILTER_LENGTH = MAX_TOPIC_LENGTH;

/** The log keeps a few thousand records; asking for more than this is a mistake, not a need. */
export const MAX_LOG_LIMIT = 100_000;

type Check = (arg: unknown) => string | null;

/** A plain object (what structured clone and JSON.parse produce), not an array or a class instance. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The argument is an object with only `allowed` keys; returns the problem or null. */
function onlyKeys(arg: unknown, allowed: readonly string[]): string | null {
  if (!isPlainObject(arg)) return 'the argument must be an object';
  const extra = Object.keys(arg).filter((k) => !allowed.includes(k));
  return extra.length > 0 ? `unknown field${extra.length > 1 ? 's' : ''}: ${extra.join(', ')}` : null;
}

function stringField(o: Record<string, unknown>, key: string, max: number, required: boolean): string | null {
  const v = o[key];
  if (v === undefined) return required ? `"${key}" is required` : null;
  if (typeof v !== 'string') return `"${key}" must be a string`;
  if (v.length > max) return `"${key}" is longer than ${max} characters`;
  return null;
}

function nonNegativeIntField(o: Record<string, unknown>, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): string | null {
  const v = o[key];
  if (v === undefined) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    return `"${key}" must be a whole number from ${min} to ${max}`;
  }
  return null;
}

const noArgument: Check = (arg) => (arg === undefined ? null : 'this call takes no argument');

function idList(arg: unknown): string | null {
  const ids = (arg as Record<string, unknown>).ids;
  if (!Array.isArray(ids)) return '"ids" must be a list of record ids';
  if (ids.length === 0 || ids.length > MAX_RESEND_IDS) return `"ids" must hold 1 to ${MAX_RESEND_IDS} record ids`;
  return ids.every((id) => typeof id === 'number' && Number.isSafeInteger(id) && id >= 0)
    ? null
    : '"ids" must hold non-negative whole numbers';
}

const CHECKS: { readonly [K in CallName]: Check } = {
  getState: noArgument,
  clearUrl: noArgument,
  pause: noArgument,
  resume: noArgument,
  generateSecret: noArgument,
  clearSecret: noArgument,
  copySecret: noArgument,
  exportHistory: noArgument,
  setUrl: (arg) => onlyKeys(arg, ['url']) ?? stringField(arg as Record<string, unknown>, 'url', MAX_URL_LENGTH, true),
  sendTest: (arg) => onlyKeys(arg, ['url']) ?? stringField(arg as Record<string, unknown>, 'url', MAX_URL_LENGTH, false),
  setSecret: (arg) =>
    onlyKeys(arg, ['secret']) ?? stringField(arg as Record<string, unknown>, 'secret', MAX_SECRET_LENGTH, true),
  resend: (arg) => onlyKeys(arg, ['ids']) ?? idList(arg),
  // Either a list of ids, or a time and a kind of outcome: never both, so the meaning is plain.
  redeliver: (arg) => {
    if (isPlainObject(arg) && 'ids' in arg) return onlyKeys(arg, ['ids']) ?? idList(arg);
    const problem = onlyKeys(arg, ['since', 'outcome']);
    if (problem) return `${problem} (give "ids", or "since" and "outcome")`;
    const o = arg as Record<string, unknown>;
    if (typeof o.since !== 'string' || !isRfc3339(o.since)) {
      return '"since" must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z (or give "ids")';
    }
    if (!(REDELIVER_OUTCOMES as readonly unknown[]).includes(o.outcome)) {
      return `"outcome" must be one of ${REDELIVER_OUTCOMES.join(', ')}`;
    }
    return null;
  },
  setTopicFilters: (arg) => {
    const problem = onlyKeys(arg, ['filters']);
    if (problem) return problem;
    const filters = (arg as Record<string, unknown>).filters;
    if (!Array.isArray(filters)) return '"filters" must be a list of topic patterns such as ["tunnel.*"]';
    const bad = checkTopicFilters(filters);
    return bad === null ? null : `"filters": ${bad}`;
  },
  getLog: (arg) => {
    const problem = onlyKeys(arg, ['limit', 'before', 'outcome', 'topic', 'since']);
    if (problem) return problem;
    const q = arg as Record<string, unknown>;
    if (q.outcome !== undefined && !(OUTCOMES as readonly unknown[]).includes(q.outcome)) {
      return `"outcome" must be one of ${OUTCOMES.join(', ')}`;
    }
    return (
      nonNegativeIntField(q, 'limit', 1, MAX_LOG_LIMIT) ??
      nonNegativeIntField(q, 'before') ??
      nonNegativeIntField(q, 'since') ??
      stringField(q, 'topic', MAX_TOPIC_FILTER_LENGTH, false)
    );
  },
};

/** Returns the argument typed for the call, or why it was refused (the message names the field). */
export function checkCallArg<K extends CallName>(name: K, arg: unknown): ArgCheck<K> {
  const problem = CHECKS[name](arg);
  return problem === null ? { ok: true, value: arg as CallArg<K> } : { ok: false, message: problem };
}
