// Topic patterns as the daemon bus reads them, and the delivery filter built on them.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkTopicFilters,
  checkTopicPattern,
  MAX_TOPIC_FILTERS,
  normaliseTopicFilters,
  passesTopicFilters,
  topicMatches,
} from '../../src/shared/topic-patterns';

describe('topic patterns', () => {
  it.each([
    ['*', 'tunnel.established', true],
    ['tunnel.*', 'tunnel.established', true],
    ['tunnel.*', 'tunnel.path.suspect', true],
    ['tunnel.*', 'tunnel', false],
    ['tunnel.*', 'tunnels.x', false],
    ['plugin.*', 'plugin.x-y.panic', true],
    ['handshake.request', 'handshake.request', true],
    ['handshake.request', 'handshake.requests', false],
    ['Tunnel.*', 'tunnel.established', false],
  ])('%s vs %s → %s', (pattern, topic, expected) => {
    expect(topicMatches(pattern, topic)).toBe(expected);
  });

  it('an empty filter, or one holding *, delivers every topic', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (topic) => {
        expect(passesTopicFilters([], topic)).toBe(true);
        expect(passesTopicFilters(['*'], topic)).toBe(true);
      }),
    );
    expect(passesTopicFilters(['tunnel.*', 'handshake.*'], 'conn.fin')).toBe(false);
    expect(passesTopicFilters(['tunnel.*', 'handshake.*'], 'handshake.approved')).toBe(true);
  });

  it('accepts what the bus understands and says what is wrong with the rest', () => {
    for (const ok of ['*', 'tunnel.*', 'conn.established', 'L7.panic', 'plugin.my-plugin.*', 'policy.a_b']) {
      expect(checkTopicPattern(ok), ok).toBeNull();
    }
    expect(checkTopicPattern('')).toMatch(/must not be empty/);
    expect(checkTopicPattern('tun*')).toMatch(/may only stand alone or as the last part/);
    expect(checkTopicPattern('*.established')).toMatch(/may only stand alone/);
    expect(checkTopicPattern('tunnel..x')).toMatch(/each dotted part/);
    expect(checkTopicPattern('tunnel x')).toMatch(/each dotted part/);
    expect(checkTopicPattern('a'.repeat(300))).toMatch(/at most 256/);
    expect(checkTopicFilters(Array.from({ length: MAX_TOPIC_FILTERS + 1 }, () => 'a'))).toMatch(/at most/);
    expect(checkTopicFilters([1])).toMatch(/must be strings/);
  });

  it('normalises a typed list: trimmed, no empties, no repeats, order kept', () => {
    expect(normaliseTopicFilters([' tunnel.* ', '', 'handshake.*', 'tunnel.*'])).toStrictEqual(['tunnel.*', 'handshake.*']);
  });
});
