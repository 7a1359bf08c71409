// GET /api/log takes its LogQuery from the query string. Every value is checked here so a typo
// gets a 400 that names the parameter instead of a silently different log page.

import { checkTopicFiltersToSave, parseTopicList } from '../../shared/topic-patterns';
import type { LogQuery } from '../../shared/bridge';
import { OUTCOMES, type Outcome } from '../../shared/delivery';
import { LOG_QUERY_KEYS } from '../../shared/http-routes';

export type LogQueryParse = { ok: true; query: LogQuery } | { ok: false; message: string };

const DIGITS = /^\d+$/;

/**
 * RFC 3339 date-time: date, `T` (or `t`, or a space as RFC 3339 section 5.6 allows), time with
 * optional fraction, and a zone (`Z` or ±hh:mm). Captures the parts for an exact range check.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const MS_PER_MINUTE = 60_000;

function nonNegativeInteger(raw: string): number | null {
  if (!DIGITS.test(raw)) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Epoch ms of an RFC 3339 timestamp, or null when it is not one. Date.parse alone is too lenient
 * (it accepts other formats and rolls `02-30` over into March), so the fields are checked by hand.
 */
export function parseRfc3339(raw: string): number | null {
  const m = RFC3339.exec(raw);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, frac, zulu, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(local);
  const fieldsValid =
    check.getUTCFullYear() === year &&
    check.getUTCMonth() === month - 1 &&
    check.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60;
  if (!fieldsValid) return null;
  if (zulu !== undefined) return local;
  const offsetHours = Number(oh);
  const offsetMinutes = Number(om);
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  const offset = (offsetHours * 60 + offsetMinutes) * MS_PER_MINUTE;
  return sign === '-' ? local + offset : local - offset;
}

/** `since`: epoch ms (digits) or an RFC 3339 timestamp, both → epoch ms. */
function parseSince(raw: string): number | null {
  return DIGITS.test(raw) ? nonNegativeInteger(raw) : parseRfc3339(raw);
}

function isOutcome(raw: string): raw is Outcome {
  return (OUTCOMES as readonly string[]).includes(raw);
}

export function parseLogQuery(params: URLSearchParams): LogQueryParse {
  const query: LogQuery = {};
  for (const key of LOG_QUERY_KEYS) {
    const values = params.getAll(key);
    if (values.length === 0) continue;
    if (values.length > 1) return { ok: false, message: `query parameter "${key}" is given more than once` };
    const raw = values[0] ?? '';
    switch (key) {
      case 'limit': {
        const n = nonNegativeInteger(raw);
        if (n === null || n < 1) return { ok: false, message: `"limit" must be a positive integer, got "${raw}"` };
        query.limit = n;
        break;
      }
      case 'before': {
        const n = nonNegativeInteger(raw);
        if (n === null) return { ok: false, message: `"before" must be a non-negative integer (a record id), got "${raw}"` };
        query.before = n;
        break;
      }
      case 'outcome':
        if (!isOutcome(raw)) {
          return { ok: false, message: `"outcome" must be one of ${OUTCOMES.join(', ')}; got "${raw}"` };
        }
        query.outcome = raw;
        break;
      case 'topic':
        if (raw === '') return { ok: false, message: '"topic" must not be empty' };
        {
          const problem = checkTopicFiltersToSave(parseTopicList(raw));
          if (problem) return { ok: false, message: `"topic": ${problem}` };
        }
        query.topic = raw;
        break;
      case 'since': {
        const ms = parseSince(raw);
        if (ms === null) {
          return {
            ok: false,
            message: `"since" must be epoch milliseconds or an RFC 3339 timestamp (2024-05-01T12:00:00Z), got "${raw}"`,
          };
        }
        query.since = ms;
        break;
      }
    }
  }
  return { ok: true, query };
}
