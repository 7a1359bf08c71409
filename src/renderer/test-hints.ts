// What a test event's answer means when a well-known receiver refuses it, and what to do. The
// answers are the ones these services really give to the daemon's JSON (see docs/architecture.md,
// destinations): Slack `400 no_text`, Discord `400 {"code":50006,…}`, a Teams connector `400
// Summary or Text is required.`, n8n behind auth 401/403.

import type { TestResult } from '../shared/bridge';

interface KnownRefusal {
  test(r: TestResult, host: string): boolean;
  hint: string;
}

const has = (r: TestResult, text: string): boolean => (r.responseSnippet ?? '').toLowerCase().includes(text.toLowerCase());

const KNOWN: readonly KnownRefusal[] = [
  {
    test: (r) => r.status === 400 && has(r, 'no_text'),
    hint: 'Slack wants a "text" field, not the daemon\'s JSON: use the Slack format for this URL.',
  },
  {
    test: (r) => r.status === 400 && (has(r, '50006') || has(r, 'empty message')),
    hint: 'Discord wants "content" or "embeds": use the Discord format for this URL.',
  },
  {
    test: (r) => r.status === 400 && has(r, 'summary or text is required'),
    hint: 'A Teams connector wants a message card: use the Teams format for this URL.',
  },
  {
    test: (r) => r.status === 401 || r.status === 403,
    hint: 'The receiver wants credentials (n8n\'s Header or Basic auth, say): give the destination an Authorization header, or turn the receiver\'s auth off.',
  },
  {
    test: (r) => r.status === 404,
    hint: 'Nothing at this address: check the path (a deleted Slack or Discord webhook also answers 404).',
  },
  {
    test: (r) => r.status === 410,
    hint: 'The receiver says this webhook was removed: create a new one and paste its URL.',
  },
  {
    test: (r) => r.status === 413,
    hint: 'The receiver finds the event too large.',
  },
  {
    test: (r) => r.status === 429,
    hint: 'The receiver limits how often it may be called: events are retried after the wait it asks for.',
  },
  {
    test: (r, host) => r.ok && r.status === 202 && /(^|\.)(logic\.azure\.com|powerplatform\.com)$/.test(host),
    hint: 'Teams Workflows accept first and may fail later on Microsoft\'s side: check that the message arrived in the channel.',
  },
  {
    test: (r) => r.status !== undefined && r.status >= 500,
    hint: 'The receiver had an error of its own: its logs say why. Events are retried.',
  },
  {
    test: (r) => r.status === undefined && /refused/i.test(r.error ?? ''),
    hint: 'Nothing listens at that address and port: is the receiver running?',
  },
  {
    test: (r) => r.status === undefined && /timed out|timeout/i.test(r.error ?? ''),
    hint: 'The receiver did not answer in time: is it reachable from this machine?',
  },
];

/** The host's own hint when it gave one, else ours for a known refusal, else null. */
export function testHint(r: TestResult, url: string): string | null {
  if (r.hint) return r.hint;
  let host = '';
  try {
    host = new URL(url).hostname;
  } catch {
    // Not a URL: no host-specific hint.
  }
  return KNOWN.find((k) => k.test(r, host))?.hint ?? null;
}
