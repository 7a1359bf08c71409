// The first line of a "Send test event" result (Setup's and each destination's): what was tested,
// where, and what came back — an HTTP refusal said once ("HTTP 500", not "HTTP 500 — HTTP 500").
import { describe, expect, it } from 'vitest';
import { describeTest } from '../../src/renderer/url-form';

const AT = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('describeTest', () => {
  it('says an HTTP refusal once, and a network error with its words', () => {
    const refused = describeTest({ ok: false, status: 500, error: 'HTTP 500', durationMs: 3 }, 'http://127.0.0.1:9/h', AT);
    expect(refused).toMatch(/^Test event failed at http:\/\/127\.0\.0\.1:9\/h: HTTP 500 after 3 ms \(at \d\d:\d\d:\d\d\.\d{3}\)\.$/);
    expect(describeTest({ ok: false, error: 'connection refused', durationMs: 1 }, 'http://127.0.0.1:9/h', AT)).toContain('no response — connection refused');
    expect(describeTest({ ok: true, status: 204, durationMs: 12 }, 'http://127.0.0.1:9/h', AT)).toContain('delivered to http://127.0.0.1:9/h: HTTP 204 in 12 ms');
  });
});
