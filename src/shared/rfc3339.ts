// The one RFC 3339 date-time parser: the ingest's `timestamp`, the log query's `since` and the
// redeliver call's `since` all read dates through it, so a date one of them refuses is refused by
// all of them. Pure.

/**
 * RFC 3339 section 5.6 date-time: date, `T` (or `t`, or a space, which section 5.6 allows), time
 * with an optional fraction, and a zone (`Z`/`z` or ±hh:mm). The parts are captured for the range
 * check below: the pattern alone would take 2024-02-31.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const MS_PER_MINUTE = 60_000;

/** Second 60 is a leap second (RFC 3339 section 5.7); it is read as the first instant of the next minute. */
const LEAP_SECOND = 60;

/**
 * Epoch ms of an RFC 3339 date-time, or null when it is not one. Date.parse alone is too lenient
 * (it accepts other formats and rolls `02-31` over into March), so every field is checked.
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
  if (hour > 23 || minute > 59 || second > LEAP_SECOND) return null;
  // The calendar check on the date alone, so a leap second cannot carry an impossible date over.
  const midnight = new Date(Date.UTC(year, month - 1, day));
  if (midnight.getUTCFullYear() !== year || midnight.getUTCMonth() !== month - 1 || midnight.getUTCDate() !== day) {
    return null;
  }
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (zulu !== undefined) return local;
  const offsetHours = Number(oh);
  const offsetMinutes = Number(om);
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  const offset = (offsetHours * 60 + offsetMinutes) * MS_PER_MINUTE;
  return sign === '-' ? local + offset : local - offset;
}

export function isRfc3339(raw: string): boolean {
  return parseRfc3339(raw) !== null;
}
