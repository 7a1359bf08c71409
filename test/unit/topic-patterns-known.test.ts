import { describe, expect, it } from 'vitest';
import { readQuery } from '../../src/shared/call-answer';
import { DeliveryLog } from '../../src/main/core/delivery/delivery-log';
import type { DeliveryRecord } from '../../src/shared/delivery';
import { KNOWN_TOPICS } from '../../src/shared/known-topics';
import { checkTopicFiltersToSave, matchesSomeKnownTopic, parseTopicList, passesTopicFilters, unknownTopicProblem } from '../../src/shared/topic-patterns';

describe('one topic-pattern language: known topics', () => {
  it('refuses patterns that can match no topic, with the pattern the user meant', () => {
    expect(unknownTopicProblem('tunnel')).toMatch(/"tunnel" matches no topic.*did you mean tunnel\.\*\?/);
    expect(unknownTopicProblem('Tunnel.*')).toMatch(/did you mean tunnel\.\*\?/);
    expect(unknownTopicProblem('Handshake.approved')).toMatch(/did you mean handshake\.approved\?/);
    expect(unknownTopicProblem('nothing.like.this')).toMatch(/topics look like tunnel\.established/);
    expect(checkTopicFiltersToSave(['tunnel.*', 'tunnel'])).toMatch(/"tunnel"/);
  });

  it('accepts every known topic, groups, *, and the open-ended policy.* / plugin.* namespaces', () => {
    for (const t of KNOWN_TOPICS) expect(matchesSomeKnownTopic(t), t).toBe(true);
    for (const p of ['*', 'tunnel.*', 'conn.*', 'policy.*', 'policy.quota.exceeded', 'plugin.*', 'plugin.x.*', 'plugin.x.panic', 'L4.panic', 'webhook.test']) {
      expect(unknownTopicProblem(p), p).toBeNull();
    }
    expect(checkTopicFiltersToSave(['tunnel.*', 'handshake.approved', 'policy.*'])).toBeNull();
  });

  it('still refuses malformed patterns first', () => {
    expect(checkTopicFiltersToSave(['tun*el'])).toMatch(/may only stand alone/);
  });

  it('reads comma lists, and the log filter uses the same language', () => {
    expect(parseTopicList(' tunnel.* , conn.fin,, tunnel.*')).toEqual(['tunnel.*', 'conn.fin']);
    expect(passesTopicFilters(parseTopicList('tunnel.*,conn.fin'), 'conn.fin')).toBe(true);
    const log = new DeliveryLog({ capacity: 10 });
    const rec = (id: number, event: string): DeliveryRecord => ({ id, event, receivedAt: id, outcome: 'delivered', url: null, attempts: [], payload: '{}', source: 'daemon' });
    log.add(rec(1, 'tunnel.established'));
    log.add(rec(2, 'conn.fin'));
    log.add(rec(3, 'message.received'));
    expect(log.query({ topic: 'tunnel.*, conn.fin' }).map((r) => r.id)).toEqual([2, 1]);
    expect(log.query({ topic: '*' }).map((r) => r.id)).toEqual([3, 2, 1]);
    expect(readQuery('getLog', new URLSearchParams('topic=tunnel.*,conn.fin'))).toEqual({ ok: true, arg: { topic: 'tunnel.*,conn.fin' } });
    expect(readQuery('getLog', new URLSearchParams('topic=Tunnel.*'))).toMatchObject({ ok: false, message: expect.stringMatching(/did you mean tunnel\.\*/) });
  });
});
