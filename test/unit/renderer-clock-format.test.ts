// The window's clock formats: the date is added only where a time can be on another day (the log,
// "since"); the activity chart's axis spans one hour and shows the clock alone, so its labels keep
// their width in the hour after midnight (they ran into each other with the date in front).

import { describe, expect, it } from 'vitest';
import { formatClock, formatHourMinute } from '../../src/renderer/format';

/** Local-time epoch ms, as the window formats in local time. */
const at = (y: number, mo: number, d: number, h: number, mi: number): number => new Date(y, mo, d, h, mi).getTime();

describe('formatHourMinute', () => {
  it('is HH:MM on the 24-hour clock, whatever the day', () => {
    expect(formatHourMinute(at(2026, 11, 1, 23, 5))).toBe('23:05');
    expect(formatHourMinute(at(2026, 11, 2, 0, 0))).toBe('00:00');
    expect(formatHourMinute(at(2026, 11, 2, 9, 7))).toBe('09:07');
  });
});

describe('formatClock', () => {
  const now = at(2026, 11, 2, 0, 10);
  it('is the clock alone today', () => {
    expect(formatClock(at(2026, 11, 2, 0, 2), now)).toBe('00:02');
  });
  it('puts the date before a time of another day, with the same clock', () => {
    const yesterday = at(2026, 11, 1, 23, 15);
    expect(formatClock(yesterday, now)).toBe(`Dec 01 ${formatHourMinute(yesterday)}`);
  });
});
