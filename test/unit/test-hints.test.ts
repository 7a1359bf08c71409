// The hint under "Send test event": the shared table of known refusals first (Slack's no_text,
// an auth wall), then what any answer says; the host's own hint wins.
import { describe, expect, it } from 'vitest';
import { testHint } from '../../src/renderer/test-hints';

const URL = 'http://127.0.0.1:9/hook';

describe('testHint', () => {
  it('names a known refusal from the shared table', () => {
    expect(testHint({ ok: false, status: 400, durationMs: 1, responseSnippet: 'no_text' }, 'https://hooks.slack.com/services/T/B/x')).toMatch(/^Slack needs a "text" field/);
    expect(testHint({ ok: false, status: 401, durationMs: 1 }, URL)).toMatch(/credentials/);
  });

  it('says what a generic answer means', () => {
    expect(testHint({ ok: false, status: 503, durationMs: 1 }, URL)).toMatch(/error of its own/);
    expect(testHint({ ok: false, durationMs: 1, error: 'connection refused by 127.0.0.1:9' }, URL)).toMatch(/Nothing listens/);
    expect(testHint({ ok: true, status: 200, durationMs: 1 }, URL)).toBeNull();
  });

  it('the host’s own hint wins', () => {
    expect(testHint({ ok: false, status: 400, durationMs: 1, hint: 'from the host' }, URL)).toBe('from the host');
  });
});
